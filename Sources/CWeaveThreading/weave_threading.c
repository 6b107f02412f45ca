#define _GNU_SOURCE
#include "weave_threading.h"

#include <pthread.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/syscall.h>

uint64_t weave_threading_native_id(void) {
    return (uint64_t)syscall(SYS_gettid);
}

int weave_threading_is_main_thread(void) {
    return syscall(SYS_gettid) == getpid();
}
#elif defined(__APPLE__)
uint64_t weave_threading_native_id(void) {
    uint64_t id = 0;
    pthread_threadid_np(NULL, &id);
    return id;
}

int weave_threading_is_main_thread(void) {
    return pthread_main_np();
}
#else
#error "CWeaveThreading supports Linux and Darwin"
#endif
