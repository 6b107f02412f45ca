// The switch that turns the hooks on, the callbacks they wait through, and the helpers
// every hook shares: clocks, socket timeouts, the owner's view of O_NONBLOCK.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

int weave_patch_enabled_flag;
weave_patch_callbacks weave_patch_active;

void weave_patch_enable(const weave_patch_callbacks *callbacks) {
    weave_patch_resolve_real_functions();
    weave_patch_active = *callbacks;
    // Release: a hook that sees the flag sees the callbacks.
    __atomic_store_n(&weave_patch_enabled_flag, 1, __ATOMIC_RELEASE);
}

int weave_patch_is_enabled(void) {
    return __atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_ACQUIRE);
}

int64_t weave_patch_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int64_t weave_patch_remaining_ns(int64_t deadline_ns) {
    if (deadline_ns < 0) return -1;
    int64_t left = deadline_ns - weave_patch_now_ns();
    return left > 0 ? left : 0;
}

int64_t weave_patch_socket_deadline_ns(int fd, int option) {
    struct timeval limit;
    socklen_t length = sizeof limit;
    if (getsockopt(fd, SOL_SOCKET, option, &limit, &length) != 0) return -1;
    if (limit.tv_sec == 0 && limit.tv_usec == 0) return -1;
    return weave_patch_now_ns() + (int64_t)limit.tv_sec * 1000000000 + (int64_t)limit.tv_usec * 1000;
}

int weave_patch_user_nonblocking(int fd) {
    int flags = WEAVE_REAL(fcntl)(fd, F_GETFL);
    if (flags < 0) return -1;
    return (flags & O_NONBLOCK) != 0 && !weave_patch_fd_is_hook_nonblocking(fd);
}

int weave_patch_wait_fd(int fd, short events, int64_t timeout_ns) {
    __atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_ACQUIRE);
    struct pollfd wanted = { .fd = fd, .events = events, .revents = 0 };
    return weave_patch_active.wait_ready(&wanted, 1, timeout_ns);
}

size_t weave_patch_iov_length(const struct iovec *iov, int count) {
    size_t total = 0;
    for (int i = 0; i < count; i++) total += iov[i].iov_len;
    return total;
}

void weave_patch_iov_advance(struct iovec **iov, int *count, size_t bytes, struct iovec *scratch) {
    if (*iov != scratch) {
        memcpy(scratch, *iov, sizeof(struct iovec) * (size_t)*count);
        *iov = scratch;
    }
    while (*count > 0 && bytes >= (*iov)[0].iov_len) {
        bytes -= (*iov)[0].iov_len;
        (*iov)++;
        (*count)--;
    }
    if (*count > 0 && bytes > 0) {
        (*iov)[0].iov_base = (char *)(*iov)[0].iov_base + bytes;
        (*iov)[0].iov_len -= bytes;
    }
}

uint64_t weave_patch_count_waiting_decisions(uint64_t iterations) {
    uint64_t waiting = 0;
    for (uint64_t i = 0; i < iterations; i++) {
        // The barrier makes every iteration load the flag and the thread-local slots anew,
        // as a hook does on each call.
        __asm__ volatile("" ::: "memory");
        waiting += (uint64_t)weave_patch_applies();
    }
    return waiting;
}
