// Hooks into the Swift runtime and the address sanitizer, used by the context switch.
#ifndef WEAVE_RUNTIME_SHIMS_H
#define WEAVE_RUNTIME_SHIMS_H

#include <stddef.h>

// Exported by libswiftCore (stdlib/public/runtime/Exclusivity.cpp); Swift Concurrency
// calls them when a task suspends and resumes, and so does Weave at every switch.
// exit saves the running context's exclusivity access set into `state` (two words) and
// takes it off the thread; enter puts the set saved in `state` back on.
extern void swift_task_exitThreadLocalContext(char *state);
extern void swift_task_enterThreadLocalContext(char *state);

static inline void weave_swift_exit_thread_local_context(void *state[2]) {
    swift_task_exitThreadLocalContext((char *)state);
}

static inline void weave_swift_enter_thread_local_context(void *state[2]) {
    swift_task_enterThreadLocalContext((char *)state);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEAVE_ASAN 1
#endif
#endif
#if !defined(WEAVE_ASAN) && defined(__SANITIZE_ADDRESS__)
#define WEAVE_ASAN 1
#endif

#if WEAVE_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

// __sanitizer_start_switch_fiber under ASan, nothing otherwise.
static inline void weave_asan_start_switch(void **fake_stack_save, const void *bottom, size_t size) {
#if WEAVE_ASAN
    __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
    (void)fake_stack_save;
    (void)bottom;
    (void)size;
#endif
}

// Clears the address sanitizer's poisoning of a region (a shared stack whose bytes are
// about to be swapped for another greenlet's, whose frames the poisoning does not match);
// nothing without ASan.
static inline void weave_asan_unpoison(const void *region, size_t size) {
#if WEAVE_ASAN
    __asan_unpoison_memory_region(region, size);
#else
    (void)region;
    (void)size;
#endif
}

// __sanitizer_finish_switch_fiber under ASan, nothing otherwise.
static inline void weave_asan_finish_switch(void *fake_stack_save) {
#if WEAVE_ASAN
    __sanitizer_finish_switch_fiber(fake_stack_save, NULL, NULL);
#else
    (void)fake_stack_save;
#endif
}

#endif
