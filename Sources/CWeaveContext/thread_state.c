// The per-thread slot holding the Swift greenlet runtime's state, and the bounds of the
// thread's own stack for its main context.
#define _GNU_SOURCE
#include "weave_context.h"
#include "weave_runtime_shims.h"

#include <pthread.h>
#include <string.h>

_Thread_local void *weave_thread_state_slot __attribute__((tls_model("initial-exec")));
_Thread_local int weave_exclusivity_base_is_empty __attribute__((tls_model("initial-exec")));
_Thread_local void **weave_access_set_head __attribute__((tls_model("initial-exec")));
_Thread_local weave_context *weave_hub_context __attribute__((tls_model("initial-exec")));
static pthread_key_t weave_thread_state_key;
static pthread_once_t weave_thread_state_key_once = PTHREAD_ONCE_INIT;
static void (*weave_thread_state_destructor)(void *);

static void weave_thread_state_exit(void *state) {
    weave_thread_state_slot = NULL;
    if (weave_thread_state_destructor != NULL) {
        weave_thread_state_destructor(state);
    }
}

static void weave_thread_state_make_key(void) {
    pthread_key_create(&weave_thread_state_key, weave_thread_state_exit);
}

void weave_thread_state_set(void *state, void (*destructor)(void *)) {
    pthread_once(&weave_thread_state_key_once, weave_thread_state_make_key);
    weave_thread_state_destructor = destructor;
    weave_thread_state_slot = state;
    pthread_setspecific(weave_thread_state_key, state);
}

void weave_context_init_thread_main(weave_context *context) {
    memset(context, 0, sizeof *context);
#if defined(__APPLE__)
    char *high = pthread_get_stackaddr_np(pthread_self());
    size_t size = pthread_get_stacksize_np(pthread_self());
    context->stack_low = high - size;
    context->stack_size = size;
#else
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
        void *low = NULL;
        size_t size = 0;
        if (pthread_attr_getstack(&attributes, &low, &size) == 0) {
            context->stack_low = low;
            context->stack_size = size;
        }
        pthread_attr_destroy(&attributes);
    }
#endif
    context->started = 1;
    strcpy(context->name, "main");
    void **head = weave_locate_access_set_head();
    if (head != NULL && *head == NULL) {
        // No access in progress: the thread's set is the main context's own, and
        // switches swap the head word.
        weave_access_set_head = head;
        weave_exclusivity_base_is_empty = 1;
        weave_set_current_context(context);
        return;
    }
    weave_swift_enter_thread_local_context(context->tls_state);
    // Entered with an empty saved set, the runtime records the accesses the thread
    // already had (none, almost always) as the base every later exit restores.
    weave_exclusivity_base_is_empty = context->tls_state[0] == NULL;
    weave_set_current_context(context);
}
