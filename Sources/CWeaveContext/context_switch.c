// Switching between machine contexts: lays out a new context's first frame, swaps the
// Swift runtime's exclusivity access set, keeps the address sanitizer informed, and moves
// compact contexts' bytes between their shared stack and their heap copies.
#include "weave_platform.h"
#include "weave_context.h"
#include "weave_runtime_shims.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *weave_switch_stack(void **save_sp, void *next_sp, void *value);
void *weave_switch_stack_relocating(void **save_sp, void *value, void *(*relocate)(void *),
                                    void *arg, void *scratch_top);
void weave_stack_trampoline(void);

// Called by weave_stack_trampoline on a context's own stack: start(context, value).
static void weave_context_start(void *opaque, void *value) {
    weave_context *context = opaque;
    weave_asan_finish_switch(NULL);
    context->entry(context->entry_arg, value);
    __builtin_trap();
}

// Lays out the frame weave_switch_stack pops for a context that has not run yet.
static void *weave_lay_out_first_frame(char *top, weave_context *context) {
    uintptr_t aligned = (uintptr_t)top & ~(uintptr_t)15;
#if WEAVE_PORT_X86_64_SYSV
    uint64_t *frame = (uint64_t *)(aligned - 88);
    uint32_t mxcsr;
    uint16_t control;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(control));
    memset(frame, 0, 88);
    frame[0] = control;
    frame[1] = mxcsr;
    frame[4] = (uint64_t)(uintptr_t)context;              // r13
    frame[5] = (uint64_t)(uintptr_t)&weave_context_start; // r12
    frame[8] = (uint64_t)(uintptr_t)&weave_stack_trampoline;
#elif WEAVE_PORT_ARM64_AAPCS
    uint64_t *frame = (uint64_t *)(aligned - 176);
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    memset(frame, 0, 176);
    frame[0] = (uint64_t)(uintptr_t)&weave_context_start; // x19
    frame[1] = (uint64_t)(uintptr_t)context;              // x20
    frame[11] = (uint64_t)(uintptr_t)&weave_stack_trampoline; // x30
    frame[20] = fpcr;
#endif
    return frame;
}

static char *weave_shared_top(const weave_shared_stack *shared) {
    return shared->stack.mapping + shared->stack.mapping_size;
}

// Runs on the scratch stack: parks the shared stack's occupant in its heap copy and puts
// `opaque`'s bytes (or its first frame) in place. Returns the stack pointer to resume.
static void *weave_relocate(void *opaque) {
    weave_context *incoming = opaque;
    weave_shared_stack *shared = incoming->shared;
    char *top = weave_shared_top(shared);
    weave_context *occupant = shared->occupant;
    weave_asan_unpoison(shared->stack.mapping + shared->stack.guard_size,
                        shared->stack.mapping_size - shared->stack.guard_size);
    if (occupant != NULL) {
        size_t used = (size_t)(top - (char *)occupant->sp);
        if (used > occupant->saved_capacity) {
            size_t capacity = (used + 63) & ~(size_t)63;
            char *grown = realloc(occupant->saved_bytes, capacity);
            if (grown == NULL) {
                fputs("Weave: out of memory while parking a compact greenlet's stack\n", stderr);
                abort();
            }
            occupant->saved_bytes = grown;
            occupant->saved_capacity = capacity;
        }
        memcpy(occupant->saved_bytes, occupant->sp, used);
        occupant->saved_length = used;
    }
    shared->occupant = incoming;
    if (!incoming->started) {
        incoming->sp = weave_lay_out_first_frame(top, incoming);
        incoming->started = 1;
    } else {
        memcpy(top - incoming->saved_length, incoming->saved_bytes, incoming->saved_length);
    }
    return incoming->sp;
}

void weave_context_prepare(weave_context *context, const weave_stack *stack) {
    if (context->shared != NULL) {
        context->stack_low = context->shared->stack.mapping + context->shared->stack.guard_size;
        context->stack_size = context->shared->stack.mapping_size - context->shared->stack.guard_size;
        context->guard_size = context->shared->stack.guard_size;
        context->started = 0;
        return;
    }
    context->stack_low = stack->mapping + stack->guard_size;
    context->stack_size = stack->mapping_size - stack->guard_size;
    context->guard_size = stack->guard_size;
    context->sp = weave_lay_out_first_frame(stack->mapping + stack->mapping_size, context);
    context->started = 1;
}

// Hands the exclusivity access set from `from` to `to`: by swapping the head word where
// it is known (see access_set_location.c), else through the runtime. Exiting restores the thread's
// base set, the one it had when its main context was made; entering a context that saved
// no accesses of its own over an empty base leaves everything as it is, so that call is
// skipped: most switches make one runtime call, not two.
static void weave_enter(weave_context *from, weave_context *to) {
    void **head = weave_access_set_head;
    if (head != NULL) {
        from->tls_state[0] = *head;
        *head = to->tls_state[0];
        weave_set_current_context(to);
        return;
    }
    weave_swift_exit_thread_local_context(from->tls_state);
    if (!weave_exclusivity_base_is_empty || to->tls_state[0] != NULL || to->tls_state[1] != NULL) {
        weave_swift_enter_thread_local_context(to->tls_state);
    }
    weave_set_current_context(to);
}

static void *weave_jump(void **save_sp, weave_context *to, void *value) {
    weave_shared_stack *shared = to->shared;
    if (shared != NULL && shared->occupant != to) {
        return weave_switch_stack_relocating(save_sp, value, weave_relocate, to,
                                             shared->scratch.mapping + shared->scratch.mapping_size);
    }
    return weave_switch_stack(save_sp, to->sp, value);
}

void *weave_context_switch(weave_context *from, weave_context *to, void *value) {
    weave_enter(from, to);
    weave_asan_start_switch(&from->asan_fake_stack, to->stack_low, to->stack_size);
    void *result = weave_jump(&from->sp, to, value);
    weave_asan_finish_switch(from->asan_fake_stack);
    return result;
}

void weave_context_exit(weave_context *from, weave_context *to, void *value) {
    weave_enter(from, to);
    if (from->shared != NULL && from->shared->occupant == from) {
        from->shared->occupant = NULL;
    }
    weave_asan_start_switch(NULL, to->stack_low, to->stack_size);
    // The dying context's own record takes the stack pointer nobody will read: a local's
    // address would point into the address sanitizer's fake stack, which the call above
    // has just freed.
    weave_jump(&from->sp, to, value);
    __builtin_trap();
}

void weave_context_release_compact(weave_context *context) {
    if (context->shared != NULL && context->shared->occupant == context) {
        context->shared->occupant = NULL;
    }
    free(context->saved_bytes);
    context->saved_bytes = NULL;
    context->saved_length = 0;
    context->saved_capacity = 0;
}
