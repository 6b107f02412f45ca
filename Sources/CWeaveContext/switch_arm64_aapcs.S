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
    sub sp, sp, #176 WEAVE_ASM_SEP \
    stp x19, x20, [sp, #0] WEAVE_ASM_SEP \
    stp x21, x22, [sp, #16] WEAVE_ASM_SEP \
    stp x23, x24, [sp, #32] WEAVE_ASM_SEP \
    stp x25, x26, [sp, #48] WEAVE_ASM_SEP \
    stp x27, x28, [sp, #64] WEAVE_ASM_SEP \
    stp x29, x30, [sp, #80] WEAVE_ASM_SEP \
    stp d8, d9, [sp, #96] WEAVE_ASM_SEP \
    stp d10, d11, [sp, #112] WEAVE_ASM_SEP \
    stp d12, d13, [sp, #128] WEAVE_ASM_SEP \
    stp d14, d15, [sp, #144] WEAVE_ASM_SEP \
    mrs x9, fpcr WEAVE_ASM_SEP \
    str x9, [sp, #160]

#define WEAVE_RESTORE_STATE \
    ldp x19, x20, [sp, #0] WEAVE_ASM_SEP \
    ldp x21, x22, [sp, #16] WEAVE_ASM_SEP \
    ldp x23, x24, [sp, #32] WEAVE_ASM_SEP \
    ldp x25, x26, [sp, #48] WEAVE_ASM_SEP \
    ldp x27, x28, [sp, #64] WEAVE_ASM_SEP \
    ldp x29, x30, [sp, #80] WEAVE_ASM_SEP \
    ldp d8, d9, [sp, #96] WEAVE_ASM_SEP \
    ldp d10, d11, [sp, #112] WEAVE_ASM_SEP \
    ldp d12, d13, [sp, #128] WEAVE_ASM_SEP \
    ldp d14, d15, [sp, #144] WEAVE_ASM_SEP \
    ldr x9, [sp, #160] WEAVE_ASM_SEP \
    mrs x10, fpcr WEAVE_ASM_SEP \
    cmp x9, x10 WEAVE_ASM_SEP \
    b.eq 1f WEAVE_ASM_SEP \
    msr fpcr, x9 WEAVE_ASM_SEP \
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
