// Context switch for arm64, AAPCS64 (Linux, macOS). Same contract as
// switch_x86_64_sysv.S.
// Saved frame (176 bytes), from the stack pointer up: x19..x28, x29 (frame pointer),
// x30 (link register), d8..d15, FPCR, padding.
// Writing FPCR can stall the pipeline, so it is written only when it differs.
// A fresh frame has x19 = start, x20 = context, x29 = 0 and x30 = weave_stack_trampoline.
#include "weave_platform.h"
#if WEAVE_PORT_ARM64_AAPCS

    .text

#define WEAVE_SAVE_STATE \
    sub sp, sp, #176; \
    stp x19, x20, [sp, #0]; \
    stp x21, x22, [sp, #16]; \
    stp x23, x24, [sp, #32]; \
    stp x25, x26, [sp, #48]; \
    stp x27, x28, [sp, #64]; \
    stp x29, x30, [sp, #80]; \
    stp d8, d9, [sp, #96]; \
    stp d10, d11, [sp, #112]; \
    stp d12, d13, [sp, #128]; \
    stp d14, d15, [sp, #144]; \
    mrs x9, fpcr; \
    str x9, [sp, #160]

#define WEAVE_RESTORE_STATE \
    ldp x19, x20, [sp, #0]; \
    ldp x21, x22, [sp, #16]; \
    ldp x23, x24, [sp, #32]; \
    ldp x25, x26, [sp, #48]; \
    ldp x27, x28, [sp, #64]; \
    ldp x29, x30, [sp, #80]; \
    ldp d8, d9, [sp, #96]; \
    ldp d10, d11, [sp, #112]; \
    ldp d12, d13, [sp, #128]; \
    ldp d14, d15, [sp, #144]; \
    ldr x9, [sp, #160]; \
    mrs x10, fpcr; \
    cmp x9, x10; \
    b.eq 1f; \
    msr fpcr, x9; \
1:  add sp, sp, #176

WEAVE_ASM_FUNCTION(weave_switch_stack)
    WEAVE_SAVE_STATE
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    WEAVE_RESTORE_STATE
    mov x0, x2
    ret
WEAVE_ASM_END(weave_switch_stack)

WEAVE_ASM_FUNCTION(weave_switch_stack_relocating)
    WEAVE_SAVE_STATE
    mov x9, sp
    str x9, [x0]
    mov sp, x4
    sub sp, sp, #16
    str x1, [sp]
    mov x0, x3
    blr x2
    ldr x2, [sp]
    mov sp, x0
    WEAVE_RESTORE_STATE
    mov x0, x2
    ret
WEAVE_ASM_END(weave_switch_stack_relocating)

WEAVE_ASM_FUNCTION(weave_stack_trampoline)
    .cfi_startproc
    .cfi_undefined x30
    mov x1, x0
    mov x0, x20
    blr x19
    brk #0
    .cfi_endproc
WEAVE_ASM_END(weave_stack_trampoline)

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
