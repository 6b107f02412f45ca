// What the hook files share: glibc's real functions, the installed callbacks, the
// descriptors whose O_NONBLOCK a hook set itself, and the waits built on them.
#ifndef WEAVE_PATCH_INTERNAL_H
#define WEAVE_PATCH_INTERNAL_H

#undef _FORTIFY_SOURCE
#include "weave_patch.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

/// glibc's definitions of the hooked functions, found with dlsym(RTLD_NEXT, ...).
struct weave_patch_real_functions {
    unsigned int (*sleep)(unsigned int);
    int (*usleep)(useconds_t);
    int (*nanosleep)(const struct timespec *, struct timespec *);
    int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    int (*connect)(int, __CONST_SOCKADDR_ARG, socklen_t);
    int (*accept)(int, __SOCKADDR_ARG, socklen_t *);
    int (*accept4)(int, __SOCKADDR_ARG, socklen_t *, int);
    int (*poll)(struct pollfd *, nfds_t, int);
    int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
    int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
    int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    ssize_t (*__read_chk)(int, void *, size_t, size_t);
    ssize_t (*__recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*__recvfrom_chk)(int, void *, size_t, size_t, int, __SOCKADDR_ARG, socklen_t *);
    int (*__poll_chk)(struct pollfd *, nfds_t, int, size_t);
};

extern struct weave_patch_real_functions weave_patch_real;

/// Looks every real function up (once; later calls return at once).
__attribute__((cold)) void weave_patch_resolve_real_functions(void);

/// glibc's `name`, looked up on first use.
#define WEAVE_REAL(name) \
    (__builtin_expect(weave_patch_real.name != NULL, 1) \
        ? weave_patch_real.name \
        : (weave_patch_resolve_real_functions(), weave_patch_real.name))

/// Marks a hook's cooperative path: out of line and cold, so that the pass-through path is
/// a test and a jump to glibc.
#define WEAVE_PATCH_SLOW __attribute__((noinline, cold))

/// The callbacks GreenPatch installed.
extern weave_patch_callbacks weave_patch_active;

/// The monotonic clock in nanoseconds.
int64_t weave_patch_now_ns(void);

/// Nanoseconds left until `deadline_ns` (never below 0); a negative deadline means none
/// and gives -1.
int64_t weave_patch_remaining_ns(int64_t deadline_ns);

/// The deadline a blocking call on socket `fd` has from its SO_RCVTIMEO or SO_SNDTIMEO
/// (`option`), or -1 when it has none (or `fd` is no socket).
int64_t weave_patch_socket_deadline_ns(int fd, int option);

/// 1 when `fd`'s mode is non-blocking by its owner's choice (a hook's own temporary
/// O_NONBLOCK does not count), 0 when blocking, -1 when fcntl fails (a bad descriptor).
int weave_patch_user_nonblocking(int fd);

/// Parks the calling greenlet until `fd` is ready for `events` or `timeout_ns` passes
/// (negative: no limit); the return values of weave_patch_callbacks.wait_ready.
int weave_patch_wait_fd(int fd, short events, int64_t timeout_ns);

/// Records that a hook turned O_NONBLOCK on for `fd` for a while (1) or that it is the
/// owner's again (0). Returns 0 when a mark could not be recorded (too many at once): the
/// hook must then not touch the descriptor's mode.
int weave_patch_fd_mark_hook_nonblocking(int fd, int marked);

/// Whether a hook's own O_NONBLOCK is on for `fd` now.
int weave_patch_fd_is_hook_nonblocking(int fd);

/// Advances `*iov`/`*count` past `bytes` already transferred, copying the vector into
/// `scratch` (of `*count` entries) the first time it must change an entry.
void weave_patch_iov_advance(struct iovec **iov, int *count, size_t bytes, struct iovec *scratch);

/// The total length of an I/O vector.
size_t weave_patch_iov_length(const struct iovec *iov, int count);

#endif
