// The cooperative transfers the read and write hooks share (see green_transfer.c).
#ifndef WEAVE_PATCH_GREEN_TRANSFER_H
#define WEAVE_PATCH_GREEN_TRANSFER_H

#include "patch_internal.h"

/// A blocking-style recvmsg (`sending` 0) or sendmsg (1) on socket `fd` for a greenlet.
/// `message` is the caller's copy: its msg_iov may be advanced. Returns what the blocking
/// call would; sets `*not_socket` and returns -1 (errno ENOTSOCK) when `fd` is no socket.
ssize_t weave_patch_socket_transfer(int fd, struct msghdr *message, int flags, int sending, int *not_socket);

/// Parks the greenlet until the non-socket descriptor `fd` is readable (at once if its
/// owner made it non-blocking). Returns 0, or -1 with errno EINTR when interrupted.
int weave_patch_stream_wait_readable(int fd);

/// A blocking-style writev on the non-socket descriptor `fd` for a greenlet: every byte
/// goes out, the greenlet waiting while the descriptor is full.
ssize_t weave_patch_stream_write(int fd, const struct iovec *iov, int count);

#endif
