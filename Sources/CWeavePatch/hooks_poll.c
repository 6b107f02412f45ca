// poll, ppoll and select: a real zero-timeout call first; when nothing is ready and the
// caller would wait, the greenlet parks until a descriptor is ready or the time is up,
// and another zero-timeout call fills in the answer.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

// The cooperative poll under all three hooks; `timeout_ns` negative waits with no limit.
// On EPERM (cannot park here) it makes the real blocking call.
static WEAVE_PATCH_SLOW int weave_patch_green_poll(struct pollfd *fds, nfds_t count, int64_t timeout_ns) {
    int ready = WEAVE_REAL(poll)(fds, count, 0);
    if (ready != 0 || timeout_ns == 0) return ready;
    __atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_ACQUIRE);
    int64_t deadline = timeout_ns < 0 ? -1 : weave_patch_now_ns() + timeout_ns;
    for (;;) {
        int64_t left = weave_patch_remaining_ns(deadline);
        int waited = weave_patch_active.wait_ready(fds, count, left);
        if (waited == EINTR) {
            errno = EINTR;
            return -1;
        }
        if (waited == EPERM) {
            left = weave_patch_remaining_ns(deadline);
            int milliseconds = left < 0 ? -1 : (int)((left + 999999) / 1000000);
            return WEAVE_REAL(poll)(fds, count, milliseconds);
        }
        ready = WEAVE_REAL(poll)(fds, count, 0);
        if (ready != 0 || waited == ETIMEDOUT || weave_patch_remaining_ns(deadline) == 0) return ready;
    }
}

int poll(struct pollfd *fds, nfds_t count, int timeout_ms) {
    if (!weave_patch_applies()) return WEAVE_REAL(poll)(fds, count, timeout_ms);
    return weave_patch_green_poll(fds, count, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const sigset_t *mask) {
    // A signal mask must be swapped atomically with the wait: only the kernel can.
    if (!weave_patch_applies() || mask != NULL
        || (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000))) {
        return WEAVE_REAL(ppoll)(fds, count, timeout, mask);
    }
    int64_t timeout_ns = timeout == NULL ? -1 : (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
    return weave_patch_green_poll(fds, count, timeout_ns);
}

int select(int count, fd_set *readable, fd_set *writable, fd_set *exceptional, struct timeval *timeout) {
    if (!weave_patch_applies() || count < 0 || count > FD_SETSIZE
        || (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_usec < 0))) {
        return WEAVE_REAL(select)(count, readable, writable, exceptional, timeout);
    }
    fd_set wanted[3];
    fd_set *sets[3] = { readable, writable, exceptional };
    for (int i = 0; i < 3; i++) {
        if (sets[i] != NULL) wanted[i] = *sets[i];
    }
    struct timeval zero = { 0, 0 };
    int ready = WEAVE_REAL(select)(count, readable, writable, exceptional, &zero);
    if (ready != 0 || (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_usec == 0)) return ready;
    struct pollfd *fds = malloc(sizeof(struct pollfd) * (size_t)(count > 0 ? count : 1));
    if (fds == NULL) {
        errno = ENOMEM;
        return -1;
    }
    nfds_t watched = 0;
    for (int fd = 0; fd < count; fd++) {
        short events = 0;
        if (readable != NULL && FD_ISSET(fd, &wanted[0])) events |= POLLIN;
        if (writable != NULL && FD_ISSET(fd, &wanted[1])) events |= POLLOUT;
        if (exceptional != NULL && FD_ISSET(fd, &wanted[2])) events |= POLLPRI;
        if (events != 0) fds[watched++] = (struct pollfd){ .fd = fd, .events = events, .revents = 0 };
    }
    int64_t timeout_ns = timeout == NULL ? -1 : (int64_t)timeout->tv_sec * 1000000000 + (int64_t)timeout->tv_usec * 1000;
    int64_t deadline = timeout_ns < 0 ? -1 : weave_patch_now_ns() + timeout_ns;
    for (;;) {
        int polled = weave_patch_green_poll(fds, watched, weave_patch_remaining_ns(deadline));
        if (polled < 0) {
            ready = -1;
            break;
        }
        for (int i = 0; i < 3; i++) {
            if (sets[i] != NULL) *sets[i] = wanted[i];
        }
        ready = WEAVE_REAL(select)(count, readable, writable, exceptional, &zero);
        // A descriptor poll saw ready but select does not count (rare): wait again.
        if (ready != 0 || polled == 0 || weave_patch_remaining_ns(deadline) == 0) break;
    }
    int saved = errno;
    free(fds);
    if (ready == 0) {
        for (int i = 0; i < 3; i++) {
            if (sets[i] != NULL) FD_ZERO(sets[i]);
        }
    }
    if (timeout != NULL) {
        // Linux's select leaves the time not slept in `timeout`.
        int64_t left = weave_patch_remaining_ns(deadline);
        timeout->tv_sec = left / 1000000000;
        timeout->tv_usec = (left % 1000000000) / 1000;
    }
    errno = saved;
    return ready;
}
