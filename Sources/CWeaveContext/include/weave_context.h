// The machine-context layer under Weave's greenlets: stacks with guard pages, the
// context switch, and the hooks into the Swift runtime and the address sanitizer.
// Every symbol is prefixed weave_. This is the only unsafe island below Swift.
#ifndef WEAVE_CONTEXT_H
#define WEAVE_CONTEXT_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A stack mapped for one greenlet: [guard][usable bytes ... top).
typedef struct weave_stack {
    char *mapping;        // start of the whole mapping (the guard's first byte)
    size_t mapping_size;  // guard + usable bytes
    size_t guard_size;    // bytes of the guard region at the low end
    void *slab;           // the slab it was carved from (its owner's opaque handle), or
                          // NULL for a mapping of its own: a slab stack is never unmapped alone
} weave_stack;

/// Stacks of one size mapped together: one mmap for `count` stacks, each with its guard
/// region installed when it is first handed out.
typedef struct weave_stack_slab {
    char *mapping;
    size_t mapping_size;
    size_t stride;        // guard + usable bytes of each stack
    size_t guard_size;
    size_t count;         // stacks in the slab
    size_t handed_out;    // stacks handed out so far
} weave_stack_slab;

struct weave_context;

/// One thread's shared stack for compact greenlets, with the scratch stack that relocates
/// their bytes between the shared stack and their heap copies.
typedef struct weave_shared_stack {
    weave_stack stack;
    weave_stack scratch;
    struct weave_context *occupant;  // whose bytes are on `stack` now, or NULL
} weave_shared_stack;

/// The machine state of one greenlet. Kept in raw memory, never in a Swift property,
/// so that no Swift access is held across a switch.
typedef struct weave_context {
    void *sp;                        // saved stack pointer while suspended
    weave_stack stack;               // a dedicated context's own stack, if it has one
    void *tls_state[2];              // the Swift runtime's exclusivity access set
    char *stack_low;                 // lowest usable address; NULL until known
    size_t stack_size;               // usable bytes from stack_low
    size_t guard_size;               // bytes of guard just below stack_low
    void *asan_fake_stack;           // address-sanitizer fiber bookkeeping
    void (*entry)(void *arg, void *value);  // called on the greenlet's own stack
    void *entry_arg;
    weave_shared_stack *shared;      // non-NULL for a compact greenlet
    char *saved_bytes;               // heap copy of a parked compact greenlet's stack
    size_t saved_length;
    size_t saved_capacity;
    int started;                     // the first frame has been laid out
    char name[48];                   // for the stack-overflow report
} weave_context;

/// The system page size.
size_t weave_page_size(void);

/// Maps a stack of at least `usable` bytes with a guard region of at least `guard` bytes
/// below it. Uses MADV_GUARD_INSTALL where the kernel has it (no extra kernel mapping per
/// stack), otherwise mprotect. Only touched pages cost memory.
/// Returns 0 or an errno value.
int weave_stack_map(size_t usable, size_t guard, weave_stack *out);

/// Unmaps a stack made by weave_stack_map; a slab's stack only gives its pages back.
void weave_stack_unmap(weave_stack *stack);

/// Gives a stack's touched pages back to the system while keeping the mapping (and its
/// guard region).
void weave_stack_discard(const weave_stack *stack);

/// Maps a slab of `count` stacks of `usable` bytes, each with `guard` bytes of guard.
/// Returns 0 or an errno value.
int weave_stack_slab_map(size_t usable, size_t guard, size_t count, weave_stack_slab *out);

/// Hands out the slab's next stack, installing its guard; the caller sets its `slab`.
/// Returns 0, ENOSPC when the slab is used up, or an errno value.
int weave_stack_slab_take(weave_stack_slab *slab, weave_stack *out);

/// Unmaps a whole slab; none of its stacks may be in use.
void weave_stack_slab_unmap(weave_stack_slab *slab);

/// Whether guard regions cost a kernel mapping each (the mprotect fallback).
int weave_stack_guards_split_mappings(void);

/// Initialises `context` for the calling thread's own stack (a thread's main greenlet):
/// records the stack's bounds and enters its exclusivity context.
void weave_context_init_thread_main(weave_context *context);

/// Makes `context` run `context->entry(context->entry_arg, value)` on `stack` at its first
/// switch. For a compact context pass stack NULL: it starts on its shared stack.
void weave_context_prepare(weave_context *context, const weave_stack *stack);

/// Suspends `from` and resumes `to`, handing `value` to it. Returns the value handed back
/// when `from` is resumed.
void *weave_context_switch(weave_context *from, weave_context *to, void *value);

/// Leaves a finished context for good and resumes `to`. Never returns.
__attribute__((noreturn))
void weave_context_exit(weave_context *from, weave_context *to, void *value);

/// Releases the heap copy of a compact context; if it occupies its shared stack, frees it.
void weave_context_release_compact(weave_context *context);

/// Maps a thread's shared stack (usable bytes) and its scratch stack. Returns 0 or errno.
int weave_shared_stack_create(size_t usable, weave_shared_stack *out);

/// Unmaps a shared stack made by weave_shared_stack_create.
void weave_shared_stack_destroy(weave_shared_stack *shared);

/// Whether the calling thread had no exclusivity accesses in progress when its main
/// context was made (see weave_context_init_thread_main).
extern _Thread_local int weave_exclusivity_base_is_empty __attribute__((tls_model("initial-exec")));

/// The word holding the head of the Swift runtime's exclusivity access set for the calling
/// thread, when found and usable (see access_set_location.c): switches then swap it
/// directly. NULL: switches call the runtime.
extern _Thread_local void **weave_access_set_head __attribute__((tls_model("initial-exec")));

/// Finds the calling thread's access-set head word, proving it with an access of its own;
/// NULL if it cannot be found.
void **weave_locate_access_set_head(void);

/// The context running on this thread, as the stack-overflow reporter sees it.
extern _Thread_local weave_context *weave_running_context __attribute__((tls_model("initial-exec")));

/// Records the context now running on this thread, for the stack-overflow reporter.
static inline void weave_set_current_context(weave_context *context) {
    weave_running_context = context;
}

/// The context of the calling thread's hub greenlet, or NULL while the thread has no hub.
/// With weave_running_context it answers, in two loads, "is a greenlet other than the hub
/// running on a hub's thread?" (the libc hooks of CWeavePatch ask it on every call).
extern _Thread_local weave_context *weave_hub_context __attribute__((tls_model("initial-exec")));

/// Records `context` as the calling thread's hub greenlet (GreenHub's Hub does, once).
static inline void weave_set_hub_context(weave_context *context) {
    weave_hub_context = context;
}

/// Installs, once per process, the SIGSEGV/SIGBUS handler that recognises a greenlet's guard
/// region, and gives the calling thread an alternate signal stack if it has none.
/// Returns 0 or an errno value.
int weave_overflow_reporter_install_for_thread(void);

/// Releases the calling thread's alternate signal stack if Weave made it.
void weave_overflow_reporter_remove_for_thread(void);

/// A per-thread slot for the Swift greenlet runtime's thread state, with a destructor that
/// runs when the thread exits.
extern _Thread_local void *weave_thread_state_slot __attribute__((tls_model("initial-exec")));

/// The calling thread's greenlet runtime state, or NULL before its first use.
static inline void *weave_thread_state_get(void) {
    return weave_thread_state_slot;
}

/// Stores the calling thread's greenlet runtime state; `destructor` runs at thread exit.
void weave_thread_state_set(void *state, void (*destructor)(void *));

/// The signal that makes a thread record its backtrace for the blocking detector (SIGURG,
/// ignored by default, so a stray one is harmless).
#define WEAVE_SAMPLE_SIGNAL SIGURG

/// Returns a malloc'd text of `thread`'s current backtrace, one frame a line (free it), or
/// NULL when it could not be taken within 200 ms.
char *weave_sample_thread_backtrace(pthread_t thread);

/// Whether this build runs under the address sanitizer.
int weave_address_sanitizer_enabled(void);

#ifdef __cplusplus
}
#endif

#endif
