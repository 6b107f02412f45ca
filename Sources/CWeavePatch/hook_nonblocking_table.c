// The descriptors whose O_NONBLOCK a hook turned on for a while (a blocking connect that
// waits cooperatively), so that fcntl(F_GETFL) keeps showing the owner's mode. Few are
// marked at once: a short list under a lock, skipped without the lock while empty.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <pthread.h>

enum { weave_patch_marked_capacity = 1024 };

static pthread_mutex_t weave_patch_marked_lock = PTHREAD_MUTEX_INITIALIZER;
static int weave_patch_marked_fds[weave_patch_marked_capacity];
static int weave_patch_marked_count;

int weave_patch_fd_mark_hook_nonblocking(int fd, int marked) {
    pthread_mutex_lock(&weave_patch_marked_lock);
    int count = weave_patch_marked_count;
    int at = -1;
    for (int i = 0; i < count; i++) {
        if (weave_patch_marked_fds[i] == fd) at = i;
    }
    int recorded = 1;
    if (marked && at < 0) {
        if (count < weave_patch_marked_capacity) {
            weave_patch_marked_fds[count++] = fd;
        } else {
            recorded = 0;
        }
    } else if (!marked && at >= 0) {
        weave_patch_marked_fds[at] = weave_patch_marked_fds[--count];
    }
    __atomic_store_n(&weave_patch_marked_count, count, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&weave_patch_marked_lock);
    return recorded;
}

int weave_patch_fd_is_hook_nonblocking(int fd) {
    if (__atomic_load_n(&weave_patch_marked_count, __ATOMIC_ACQUIRE) == 0) return 0;
    int found = 0;
    pthread_mutex_lock(&weave_patch_marked_lock);
    for (int i = 0; i < weave_patch_marked_count; i++) {
        if (weave_patch_marked_fds[i] == fd) found = 1;
    }
    pthread_mutex_unlock(&weave_patch_marked_lock);
    return found;
}
