// Calls into the Swift runtime's task-context hooks.
#include "weave_runtime_shims.h"
#include "weave_context.h"

// Exported by libswiftCore (stdlib/public/runtime/Exclusivity.cpp); Swift Concurrency
// calls them when a task suspends and resumes, and so do we at every switch.
extern void swift_task_enterThreadLocalContext(char *state);
extern void swift_task_exitThreadLocalContext(char *state);

void weave_swift_exit_thread_local_context(void *state[2]) {
    swift_task_exitThreadLocalContext((char *)state);
}

void weave_swift_enter_thread_local_context(void *state[2]) {
    swift_task_enterThreadLocalContext((char *)state);
}

int weave_address_sanitizer_enabled(void) {
#if WEAVE_ASAN
    return 1;
#else
    return 0;
#endif
}
