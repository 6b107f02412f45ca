// The cooperative transfers under the read and write hooks. On a socket, every call is a
// recvmsg/sendmsg with MSG_DONTWAIT, and the greenlet waits for readiness when the kernel
// says EAGAIN; a blocking send moves every byte, a MSG_WAITALL receive fills the buffer.
// On another descriptor (a pipe, a tty), a read waits for readiness and then makes the
// real call, and a write goes out with pwritev2(RWF_NOWAIT): the descriptor's mode, which
// other processes may share, is never changed.
#define _GNU_SOURCE
#include "green_transfer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { weave_patch_inline_iov = 8 };

// What a transfer returns after `done` bytes when the next step fails with `error`: the
// count if any bytes moved (as the kernel does), else -1 with errno.
static ssize_t weave_patch_partial(size_t done, int error) {
    if (done > 0) return (ssize_t)done;
    errno = error;
    return -1;
}

ssize_t weave_patch_socket_transfer(int fd, struct msghdr *message, int flags, int sending, int *not_socket) {
    int every_byte = sending || (flags & MSG_WAITALL) != 0;
    int attempt_flags = (flags & ~MSG_WAITALL) | MSG_DONTWAIT;
    size_t wanted = weave_patch_iov_length(message->msg_iov, (int)message->msg_iovlen);
    size_t done = 0;
    struct iovec inline_scratch[weave_patch_inline_iov];
    struct iovec *scratch = inline_scratch;
    if (message->msg_iovlen > weave_patch_inline_iov) {
        scratch = malloc(sizeof(struct iovec) * message->msg_iovlen);
        if (scratch == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    int64_t deadline = -2;  // not read yet
    size_t control_length = (size_t)-1;  // set when later parts go without ancillary data
    ssize_t result;
    for (;;) {
        ssize_t moved = sending
            ? WEAVE_REAL(sendmsg)(fd, message, attempt_flags)
            : WEAVE_REAL(recvmsg)(fd, message, attempt_flags);
        if (moved >= 0) {
            done += (size_t)moved;
            if (!every_byte || done >= wanted || (!sending && moved == 0)) {
                result = (ssize_t)done;
                break;
            }
            if (message->msg_control != NULL) {
                // Ancillary data goes with the first part only: not sent twice, and what
                // came with the first part received is kept.
                control_length = message->msg_controllen;
                message->msg_control = NULL;
                message->msg_controllen = 0;
            }
            struct iovec *iov = message->msg_iov;
            int count = (int)message->msg_iovlen;
            weave_patch_iov_advance(&iov, &count, (size_t)moved, scratch);
            message->msg_iov = iov;
            message->msg_iovlen = (size_t)count;
            continue;
        }
        int error = errno;
        if (error == ENOTSOCK && done == 0) {
            *not_socket = 1;
            result = -1;
            break;
        }
        if (error != EAGAIN && error != EWOULDBLOCK) {
            result = weave_patch_partial(done, error);
            break;
        }
        if (weave_patch_user_nonblocking(fd) != 0) {
            result = weave_patch_partial(done, EAGAIN);
            break;
        }
        if (deadline == -2) deadline = weave_patch_socket_deadline_ns(fd, sending ? SO_SNDTIMEO : SO_RCVTIMEO);
        int64_t left = weave_patch_remaining_ns(deadline);
        int waited = left == 0 ? ETIMEDOUT : weave_patch_wait_fd(fd, sending ? POLLOUT : POLLIN, left);
        if (waited == ETIMEDOUT) {
            // SO_RCVTIMEO/SO_SNDTIMEO ran out: EAGAIN, as the kernel reports it.
            result = weave_patch_partial(done, EAGAIN);
            break;
        }
        if (waited == EINTR) {
            result = weave_patch_partial(done, EINTR);
            break;
        }
        if (waited == EPERM) {
            int blocking_flags = flags & ~MSG_DONTWAIT;
            moved = sending
                ? WEAVE_REAL(sendmsg)(fd, message, blocking_flags)
                : WEAVE_REAL(recvmsg)(fd, message, blocking_flags);
            result = moved < 0 ? weave_patch_partial(done, errno) : (ssize_t)(done + (size_t)moved);
            break;
        }
    }
    if (control_length != (size_t)-1) message->msg_controllen = control_length;
    if (scratch != inline_scratch) {
        int saved = errno;
        free(scratch);
        errno = saved;
    }
    return result;
}

int weave_patch_stream_wait_readable(int fd) {
    if (weave_patch_user_nonblocking(fd) != 0) return 0;
    for (;;) {
        struct pollfd wanted = { .fd = fd, .events = POLLIN, .revents = 0 };
        // Ready, or an error state the real call will report itself.
        if (WEAVE_REAL(poll)(&wanted, 1, 0) != 0) return 0;
        int waited = weave_patch_wait_fd(fd, POLLIN, -1);
        if (waited == EINTR) {
            errno = EINTR;
            return -1;
        }
        if (waited == EPERM) return 0;
    }
}

ssize_t weave_patch_stream_write(int fd, const struct iovec *iov, int count) {
    if (weave_patch_user_nonblocking(fd) != 0) return WEAVE_REAL(writev)(fd, iov, count);
    size_t wanted = weave_patch_iov_length(iov, count);
    size_t done = 0;
    struct iovec inline_scratch[weave_patch_inline_iov];
    struct iovec *scratch = inline_scratch;
    if (count > weave_patch_inline_iov) {
        scratch = malloc(sizeof(struct iovec) * (size_t)count);
        if (scratch == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    struct iovec *left = (struct iovec *)iov;
    ssize_t result;
    for (;;) {
        ssize_t moved = pwritev2(fd, left, count, -1, RWF_NOWAIT);
        if (moved >= 0) {
            done += (size_t)moved;
            if (done >= wanted) {
                result = (ssize_t)done;
                break;
            }
            weave_patch_iov_advance(&left, &count, (size_t)moved, scratch);
            continue;
        }
        int error = errno;
        int waited = EPERM;
        if (error == EAGAIN) {
            waited = weave_patch_wait_fd(fd, POLLOUT, -1);
            if (waited == 0) continue;
            if (waited == EINTR) {
                result = weave_patch_partial(done, EINTR);
                break;
            }
        } else if (error != EOPNOTSUPP && error != EINVAL && error != ENOSYS && error != ESPIPE) {
            result = weave_patch_partial(done, error);
            break;
        }
        // No per-call non-blocking write for this descriptor (a tty, an older kernel), or
        // no waiting on it (a regular file): the real call does the rest.
        moved = WEAVE_REAL(writev)(fd, left, count);
        result = moved < 0 ? weave_patch_partial(done, errno) : (ssize_t)(done + (size_t)moved);
        break;
    }
    if (scratch != inline_scratch) {
        int saved = errno;
        free(scratch);
        errno = saved;
    }
    return result;
}
