// __read_chk, __recv_chk, __recvfrom_chk and __poll_chk: what code built with
// _FORTIFY_SOURCE calls instead of read, recv, recvfrom and poll when it knows its buffer's
// size. A call whose sizes are wrong goes to glibc's, which stops the program as it would
// unpatched; the rest is the hooked call.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <unistd.h>

ssize_t __read_chk(int fd, void *buffer, size_t count, size_t buffer_length) {
    if (count > buffer_length || !weave_patch_applies()) {
        return WEAVE_REAL(__read_chk)(fd, buffer, count, buffer_length);
    }
    return read(fd, buffer, count);
}

ssize_t __recv_chk(int fd, void *buffer, size_t length, size_t buffer_length, int flags) {
    if (length > buffer_length || !weave_patch_applies()) {
        return WEAVE_REAL(__recv_chk)(fd, buffer, length, buffer_length, flags);
    }
    return recv(fd, buffer, length, flags);
}

ssize_t __recvfrom_chk(int fd, void *buffer, size_t length, size_t buffer_length, int flags,
                       __SOCKADDR_ARG address, socklen_t *address_length) {
    if (length > buffer_length || !weave_patch_applies()) {
        return WEAVE_REAL(__recvfrom_chk)(fd, buffer, length, buffer_length, flags, address, address_length);
    }
    return recvfrom(fd, buffer, length, flags, address, address_length);
}

int __poll_chk(struct pollfd *fds, nfds_t count, int timeout_ms, size_t fds_length) {
    if (count > fds_length / sizeof(struct pollfd) || !weave_patch_applies()) {
        return WEAVE_REAL(__poll_chk)(fds, count, timeout_ms, fds_length);
    }
    return poll(fds, count, timeout_ms);
}
