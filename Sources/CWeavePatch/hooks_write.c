// write, writev, send, sendto and sendmsg: a greenlet waits for room cooperatively, and a
// blocking call returns only when every byte is out (or an error, a timeout, an
// interruption stops it, with the count of what went).
#define _GNU_SOURCE
#include "green_transfer.h"

#include <errno.h>
#include <unistd.h>

// Each hook is a test and a jump to glibc; its cooperative path is out of line.

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_write(int fd, const void *buffer, size_t count) {
    struct iovec vector = { .iov_base = (void *)buffer, .iov_len = count };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &message, 0, 1, &not_socket);
    if (!not_socket) return result;
    struct iovec whole = { .iov_base = (void *)buffer, .iov_len = count };
    return weave_patch_stream_write(fd, &whole, 1);
}

ssize_t write(int fd, const void *buffer, size_t count) {
    if (!weave_patch_applies()) return WEAVE_REAL(write)(fd, buffer, count);
    return weave_patch_green_write(fd, buffer, count);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_writev(int fd, const struct iovec *iov, int count) {
    struct msghdr message = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)count };
    int not_socket = 0;
    ssize_t result = weave_patch_socket_transfer(fd, &message, 0, 1, &not_socket);
    if (!not_socket) return result;
    return weave_patch_stream_write(fd, iov, count);
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    if (!weave_patch_applies() || count < 0) return WEAVE_REAL(writev)(fd, iov, count);
    return weave_patch_green_writev(fd, iov, count);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_send(int fd, const void *buffer, size_t length, int flags) {
    struct iovec vector = { .iov_base = (void *)buffer, .iov_len = length };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    int not_socket = 0;
    return weave_patch_socket_transfer(fd, &message, flags, 1, &not_socket);
}

ssize_t send(int fd, const void *buffer, size_t length, int flags) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT)) return WEAVE_REAL(send)(fd, buffer, length, flags);
    return weave_patch_green_send(fd, buffer, length, flags);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_sendto(int fd, const void *buffer, size_t length, int flags, __CONST_SOCKADDR_ARG address,
               socklen_t address_length) {
    struct iovec vector = { .iov_base = (void *)buffer, .iov_len = length };
    struct msghdr message = {
        .msg_name = (void *)address.__sockaddr__,
        .msg_namelen = address.__sockaddr__ != NULL ? address_length : 0,
        .msg_iov = &vector,
        .msg_iovlen = 1,
    };
    int not_socket = 0;
    return weave_patch_socket_transfer(fd, &message, flags, 1, &not_socket);
}

ssize_t sendto(int fd, const void *buffer, size_t length, int flags, __CONST_SOCKADDR_ARG address,
               socklen_t address_length) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT)) {
        return WEAVE_REAL(sendto)(fd, buffer, length, flags, address, address_length);
    }
    return weave_patch_green_sendto(fd, buffer, length, flags, address, address_length);
}

static WEAVE_PATCH_SLOW ssize_t weave_patch_green_sendmsg(int fd, const struct msghdr *message, int flags) {
    struct msghdr copy = *message;
    int not_socket = 0;
    return weave_patch_socket_transfer(fd, &copy, flags, 1, &not_socket);
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
    if (!weave_patch_applies() || (flags & MSG_DONTWAIT) || message == NULL) {
        return WEAVE_REAL(sendmsg)(fd, message, flags);
    }
    return weave_patch_green_sendmsg(fd, message, flags);
}
