// Context switch for x86_64, System V ABI (Linux, macOS).
//
// The contract every port fills in (see context_switch.c):
//   void *weave_switch_stack(void **save_sp, void *next_sp, void *value)
//     Pushes the callee-saved state on the current stack, stores the stack pointer in
//     *save_sp, loads next_sp, pops the state saved there, and returns value to the
//     context being resumed.
//   void *weave_switch_stack_relocating(void **save_sp, void *value,
//                                       void *(*relocate)(void *), void *arg,
//                                       void *scratch_top)
//     Same, but after saving it runs relocate(arg) on the scratch stack; relocate
//     returns the stack pointer to resume.
//   weave_stack_trampoline: the return address of a freshly laid-out frame; it calls
//     start(context, value) with start in the frame's r12 slot and context in r13.
// Saved frame, from the stack pointer up: x87 control word, MXCSR, r15, r14, r13, r12,
// rbx, rbp, return address.
#include "weave_platform.h"
#if WEAVE_PORT_X86_64_SYSV

    .text

// Reloading MXCSR and the x87 control word is slow, and they almost never differ between
// greenlets. The values just saved for the suspended context are the thread's current
// ones, so each is reloaded only when the resumed context saved a different value.
// r10/r11 are free here (caller-saved, no longer carrying arguments).
#define WEAVE_SAVE_FP_CONTROL \
    stmxcsr 8(%rsp); \
    fnstcw (%rsp); \
    movl 8(%rsp), %r10d; \
    movzwl (%rsp), %r11d

#define WEAVE_RESTORE_FP_CONTROL \
    cmpl 8(%rsp), %r10d; \
    je 1f; \
    ldmxcsr 8(%rsp); \
1:  cmpw (%rsp), %r11w; \
    je 2f; \
    fldcw (%rsp); \
2:

// After a relocation hook has run, r10/r11 are gone: reload unconditionally.
#define WEAVE_RELOAD_FP_CONTROL \
    ldmxcsr 8(%rsp); \
    fldcw (%rsp)

WEAVE_ASM_FUNCTION(weave_switch_stack)
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $16, %rsp
    WEAVE_SAVE_FP_CONTROL
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    WEAVE_RESTORE_FP_CONTROL
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdx, %rax
    ret
WEAVE_ASM_END(weave_switch_stack)

WEAVE_ASM_FUNCTION(weave_switch_stack_relocating)
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $16, %rsp
    WEAVE_SAVE_FP_CONTROL
    movq %rsp, (%rdi)
    movq %r8, %rsp
    pushq %rsi
    subq $8, %rsp
    movq %rcx, %rdi
    callq *%rdx
    movq 8(%rsp), %rdx
    movq %rax, %rsp
    WEAVE_RELOAD_FP_CONTROL
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdx, %rax
    ret
WEAVE_ASM_END(weave_switch_stack_relocating)

WEAVE_ASM_FUNCTION(weave_stack_trampoline)
    .cfi_startproc
    .cfi_undefined rip
    movq %rax, %rsi
    movq %r13, %rdi
    callq *%r12
    ud2
    .cfi_endproc
WEAVE_ASM_END(weave_stack_trampoline)

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
