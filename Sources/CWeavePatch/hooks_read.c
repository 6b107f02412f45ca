// read, readv, recv, recvfrom and recvmsg: a greenlet waits for data cooperatively.
#define _GNU_SOURCE
#include "green_transfer.h"

#include <errno.h>
#include <unistd.h>

// Each hook is a test and a jump to glibc; its cooperative path is out of line.

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_read(int fd, void *buffer, size_t count) {
    struct iovec vector = { .iov_base = buffer, .iov_len = count };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &message, 0, 0, &not_socket);
    if (!not_socket) return result;
    if (weave_patch_stream_wait_readable(fd) != 0) return -1;
    return WEAVE_REAL(read)(fd, buffer, count);
}

ssize_t read(int fd, void *buffer, size_t count) {
    if (!weave_patch_applies()) return WEAVE_REAL(read)(fd, buffer, count);
    return weave_patch_green_read(fd, buffer, count);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_readv(int fd, const struct iovec *iov, int count) {
    struct msghdr message = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)count };
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &message, 0, 0, &not_socket);
    if (!not_socket) return result;
    if (weave_patch_stream_wait_readable(fd) != 0) return -1;
    return WEAVE_REAL(readv)(fd, iov, count);
}

ssize_t readv(int fd, const struct iovec *iov, int count) {
    if (!weave_patch_applies() || count < 0) return WEAVE_REAL(readv)(fd, iov, count);
    return weave_patch_green_readv(fd, iov, count);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_recv(int fd, void *buffer, size_t length, int flags) {
    struct iovec vector = { .iov_base = buffer, .iov_len = length };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    int not_socket = 0;
    return weave_patch_socket_transfer(fd, &message, flags, 0, &not_socket);
}

ssize_t recv(int fd, void *buffer, size_t length, int flags) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT)) return WEAVE_REAL(recv)(fd, buffer, length, flags);
    return weave_patch_green_recv(fd, buffer, length, flags);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_recvfrom(int fd, void *buffer, size_t length, int flags, __SOCKADDR_ARG address,
                 socklen_t *address_length) {
    struct iovec vector = { .iov_base = buffer, .iov_len = length };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    if (address.__sockaddr__ != NULL && address_length != NULL) {
        message.msg_name = address.__sockaddr__;
        message.msg_namelen = *address_length;
    }
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &message, flags, 0, &not_socket);
    if (result >= 0 && message.msg_name != NULL) *address_length = message.msg_namelen;
    return result;
}

ssize_t recvfrom(int fd, void *buffer, size_t length, int flags, __SOCKADDR_ARG address,
                 socklen_t *address_length) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT)) {
        return WEAVE_REAL(recvfrom)(fd, buffer, length, flags, address, address_length);
    }
    return weave_patch_green_recvfrom(fd, buffer, length, flags, address, address_length);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_recvmsg(int fd, struct msghdr *message, int flags) {
    struct msghdr copy = *message;
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &copy, flags, 0, &not_socket);
    if (result >= 0) {
        message->msg_namelen = copy.msg_namelen;
        message->msg_controllen = copy.msg_controllen;
        message->msg_flags = copy.msg_flags;
    }
    return result;
}

ssize_t recvmsg(int fd, struct msghdr *message, int flags) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT) || message == NULL) {
        return WEAVE_REAL(recvmsg)(fd, message, flags);
    }
    return weave_patch_green_recvmsg(fd, message, flags);
}
