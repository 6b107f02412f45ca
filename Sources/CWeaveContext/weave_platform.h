// Chooses the context-switch port for this architecture and ABI. Each port is one
// assembly file (switch_<arch>_<abi>.S) guarded by the macro set here; the build fails
// when no port matches.
#ifndef WEAVE_PLATFORM_H
#define WEAVE_PLATFORM_H

#if defined(__x86_64__) && !defined(_WIN32)
#define WEAVE_PORT_X86_64_SYSV 1
#elif defined(__aarch64__) && !defined(_WIN32)
#define WEAVE_PORT_ARM64_AAPCS 1
#else
#error "Weave has no context-switch port for this architecture/ABI (x86_64 SysV and arm64 AAPCS64 only)"
#endif

// Separates statements inside one-line macros. Apple's arm64 assembler reads ';' as the
// start of a comment (everything after the first ';' would vanish) and uses '%%'.
#if defined(__APPLE__) && defined(__aarch64__)
#define WEAVE_ASM_SEP %%
#else
#define WEAVE_ASM_SEP ;
#endif

#if defined(__APPLE__)
#define WEAVE_ASM_FUNCTION(name) .globl _##name WEAVE_ASM_SEP .p2align 4 WEAVE_ASM_SEP _##name:
#define WEAVE_ASM_END(name)
#else
#if defined(__x86_64__)
#define WEAVE_ASM_TYPE(name) .type name, @function
#else
#define WEAVE_ASM_TYPE(name) .type name, %function
#endif
#define WEAVE_ASM_FUNCTION(name) .globl name; .hidden name; WEAVE_ASM_TYPE(name); .p2align 4; name:
#define WEAVE_ASM_END(name) .size name, .-name
#endif

#endif
