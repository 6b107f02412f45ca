// connect, accept and accept4, and fcntl, which keeps showing the owner's mode while a
// blocking connect runs non-blocking underneath.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

// Turns O_NONBLOCK off again after a cooperative connect, unless the owner turned it on
// meanwhile (through the fcntl hook, which then took the mark away).
static void weave_patch_restore_blocking(int fd) {
    if (!weave_patch_fd_is_hook_nonblocking(fd)) return;
    int flags = WEAVE_REAL(fcntl)(fd, F_GETFL);
    if (flags >= 0) WEAVE_REAL(fcntl)(fd, F_SETFL, flags & ~O_NONBLOCK);
    weave_patch_fd_mark_hook_nonblocking(fd, 0);
}

int connect(int fd, __CONST_SOCKADDR_ARG address, socklen_t length) {
    if (!weave_patch_applies()) return WEAVE_REAL(connect)(fd, address, length);
    int flags = WEAVE_REAL(fcntl)(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) || !weave_patch_fd_mark_hook_nonblocking(fd, 1)) {
        return WEAVE_REAL(connect)(fd, address, length);
    }
    if (WEAVE_REAL(fcntl)(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        weave_patch_fd_mark_hook_nonblocking(fd, 0);
        return WEAVE_REAL(connect)(fd, address, length);
    }
    int result = WEAVE_REAL(connect)(fd, address, length);
    int error = errno;
    if (result == 0 || error != EINPROGRESS) {
        weave_patch_restore_blocking(fd);
        if (result != 0 && error == EAGAIN) {
            // A Unix socket whose listener's backlog is full: the blocking call waits for
            // room, which readiness cannot announce.
            return WEAVE_REAL(connect)(fd, address, length);
        }
        errno = error;
        return result;
    }
    int64_t deadline = weave_patch_socket_deadline_ns(fd, SO_SNDTIMEO);
    int waited = weave_patch_wait_fd(fd, POLLOUT, weave_patch_remaining_ns(deadline));
    if (waited == EPERM) {
        struct pollfd wanted = { .fd = fd, .events = POLLOUT, .revents = 0 };
        int64_t left = weave_patch_remaining_ns(deadline);
        waited = WEAVE_REAL(poll)(&wanted, 1, left < 0 ? -1 : (int)(left / 1000000)) > 0 ? 0 : ETIMEDOUT;
    }
    weave_patch_restore_blocking(fd);
    if (waited == ETIMEDOUT) {
        // SO_SNDTIMEO ran out: the kernel reports a timed-out connect as EINPROGRESS.
        errno = EINPROGRESS;
        return -1;
    }
    if (waited == EINTR) {
        errno = EINTR;
        return -1;
    }
    int outcome = 0;
    socklen_t outcome_length = sizeof outcome;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &outcome, &outcome_length) != 0) return -1;
    if (outcome != 0) {
        errno = outcome;
        return -1;
    }
    return 0;
}

// Waits until listening socket `fd` has a connection. Returns 0, or -1 with errno
// (EAGAIN when SO_RCVTIMEO ran out, EINTR when interrupted).
static int weave_patch_wait_acceptable(int fd) {
    if (weave_patch_user_nonblocking(fd) != 0) return 0;
    int64_t deadline = weave_patch_socket_deadline_ns(fd, SO_RCVTIMEO);
    for (;;) {
        struct pollfd wanted = { .fd = fd, .events = POLLIN, .revents = 0 };
        if (WEAVE_REAL(poll)(&wanted, 1, 0) != 0) return 0;
        int64_t left = weave_patch_remaining_ns(deadline);
        int waited = left == 0 ? ETIMEDOUT : weave_patch_wait_fd(fd, POLLIN, left);
        if (waited == EPERM) return 0;
        if (waited == ETIMEDOUT || waited == EINTR) {
            errno = waited == EINTR ? EINTR : EAGAIN;
            return -1;
        }
    }
}

int accept(int fd, __SOCKADDR_ARG address, socklen_t *length) {
    if (!weave_patch_applies()) return WEAVE_REAL(accept)(fd, address, length);
    if (weave_patch_wait_acceptable(fd) != 0) return -1;
    return WEAVE_REAL(accept)(fd, address, length);
}

int accept4(int fd, __SOCKADDR_ARG address, socklen_t *length, int flags) {
    if (!weave_patch_applies()) return WEAVE_REAL(accept4)(fd, address, length, flags);
    if (weave_patch_wait_acceptable(fd) != 0) return -1;
    return WEAVE_REAL(accept4)(fd, address, length, flags);
}

// fcntl's third argument, whatever its type, travels as one machine word (as in glibc).
static int weave_patch_fcntl(int (*real)(int, int, ...), int fd, int command, void *argument) {
    if (!__atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_RELAXED) || !weave_patch_fd_is_hook_nonblocking(fd)) {
        return real(fd, command, argument);
    }
    if (command == F_GETFL) {
        int flags = real(fd, command);
        return flags < 0 ? flags : flags & ~O_NONBLOCK;
    }
    if (command == F_SETFL) {
        int wanted = (int)(intptr_t)argument;
        if (wanted & O_NONBLOCK) {
            // The owner makes it non-blocking: the mode is theirs from now on.
            weave_patch_fd_mark_hook_nonblocking(fd, 0);
            return real(fd, command, wanted);
        }
        // The connect under way still needs O_NONBLOCK; it is cleared when it ends.
        return real(fd, command, wanted | O_NONBLOCK);
    }
    return real(fd, command, argument);
}

int fcntl(int fd, int command, ...) {
    va_list arguments;
    va_start(arguments, command);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);
    return weave_patch_fcntl(WEAVE_REAL(fcntl), fd, command, argument);
}

int fcntl64(int fd, int command, ...) {
    va_list arguments;
    va_start(arguments, command);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);
    return weave_patch_fcntl(WEAVE_REAL(fcntl64), fd, command, argument);
}
