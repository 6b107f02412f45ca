// Samples another thread's call stack: the blocking detector uses it to say where a
// greenlet that holds the hub's thread is. A signal makes the target thread record its own
// backtrace; the sampling thread waits for it and turns it into text.
#define _GNU_SOURCE
#include "weave_context.h"

#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { weave_sample_depth = 48 };

static pthread_mutex_t weave_sample_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t weave_sample_once = PTHREAD_ONCE_INIT;
static void *weave_sample_frames[weave_sample_depth];
static _Atomic int weave_sample_count = -1;

static void weave_sample_handler(int signal_number) {
    (void)signal_number;
    atomic_store(&weave_sample_count, backtrace(weave_sample_frames, weave_sample_depth));
}

static void weave_sample_install(void) {
    // backtrace() loads its unwinder on first use; do that here, not in the handler.
    void *warm_up[4];
    backtrace(warm_up, 4);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = weave_sample_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(WEAVE_SAMPLE_SIGNAL, &action, NULL);
}

char *weave_sample_thread_backtrace(pthread_t thread) {
    pthread_once(&weave_sample_once, weave_sample_install);
    pthread_mutex_lock(&weave_sample_lock);
    atomic_store(&weave_sample_count, -1);
    char *text = NULL;
    if (pthread_kill(thread, WEAVE_SAMPLE_SIGNAL) == 0) {
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
        for (int tries = 0; tries < 200 && atomic_load(&weave_sample_count) < 0; tries++) {
            nanosleep(&pause, NULL);
        }
        int count = atomic_load(&weave_sample_count);
        if (count > 0) {
            char **symbols = backtrace_symbols(weave_sample_frames, count);
            if (symbols != NULL) {
                size_t length = 1;
                for (int index = 0; index < count; index++) {
                    length += strlen(symbols[index]) + 1;
                }
                text = malloc(length);
                if (text != NULL) {
                    text[0] = '\0';
                    for (int index = 0; index < count; index++) {
                        strcat(text, symbols[index]);
                        strcat(text, "\n");
                    }
                }
                free(symbols);
            }
        }
    }
    pthread_mutex_unlock(&weave_sample_lock);
    return text;
}
