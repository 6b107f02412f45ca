// Weave's libc interposition (`monkey.patch_all()` for C libraries): an executable that
// links this target defines sleep/read/recv/poll/connect/getaddrinfo and the rest, and
// reaches glibc's own functions through dlsym(RTLD_NEXT, ...). Until
// weave_patch_enable() every hook passes straight through; after it, a call made by a
// greenlet (not the hub) on a thread that has a hub waits cooperatively through the
// callbacks GreenPatch installs. Every symbol of ours is prefixed weave_patch_.
#ifndef WEAVE_PATCH_H
#define WEAVE_PATCH_H

#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>  // for GreenPatch's readiness thread (Glibc's module lacks it)
#include <sys/types.h>

#include "weave_context.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __USE_GNU
/// glibc's ppoll, which <poll.h> declares only under _GNU_SOURCE (Swift's view of Glibc
/// lacks it): hooked like the rest.
extern int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const __sigset_t *mask);
#endif

#if !defined(__USE_FORTIFY_LEVEL) || __USE_FORTIFY_LEVEL == 0
/// glibc's fortified read, which <unistd.h> declares only under _FORTIFY_SOURCE: hooked
/// like read (code built with _FORTIFY_SOURCE calls it when it knows its buffer's size).
extern ssize_t __read_chk(int fd, void *buffer, size_t count, size_t buffer_length);
#endif

/// What a hook asks of the Swift side when the calling greenlet must wait. Each runs on
/// the calling greenlet and parks only it.
typedef struct weave_patch_callbacks {
    /// Parks until one of `fds` is ready for its `events` (POLLIN, POLLOUT, POLLPRI; errors
    /// and hang-ups always count), or `timeout_ns` nanoseconds pass (negative: no limit).
    /// `count` 0 waits for the time alone. Returns 0 when woken (the caller checks again
    /// with a real zero-timeout call), ETIMEDOUT, EINTR when the greenlet was interrupted
    /// (a kill, a scoped timeout: the Swift side keeps the error), or EPERM when it cannot
    /// wait here (a descriptor epoll refuses, such as a regular file, or no hub yet): the
    /// caller then makes the real blocking call.
    int (*wait_ready)(const struct pollfd *fds, unsigned long count, int64_t timeout_ns);
    /// Parks for `nanoseconds` (0 gives the other greenlets a turn). Returns 0, EINTR, or
    /// EPERM when it cannot park here.
    int (*sleep_for)(int64_t nanoseconds);
    /// Runs glibc's getaddrinfo on the blocking pool and returns its result; EAI_SYSTEM
    /// with errno EINTR when the greenlet was interrupted meanwhile, or EAI_SYSTEM with
    /// errno EPERM when it cannot wait here.
    int (*resolve)(const char *node, const char *service, const struct addrinfo *hints,
                   struct addrinfo **result);
} weave_patch_callbacks;

/// Set once by weave_patch_enable(); read on every hooked call.
extern int weave_patch_enabled_flag;

/// Installs `callbacks` and turns the hooks on for the whole process. Call it again to
/// replace them; there is no way back to off (as with gevent's monkey patching).
void weave_patch_enable(const weave_patch_callbacks *callbacks);

/// Whether weave_patch_enable() was called in this process.
int weave_patch_is_enabled(void);

/// The hooks' decision, inline: whether the calling code must wait cooperatively, that is
/// patching is on, this thread has a hub, and the running greenlet is not the hub.
static inline int weave_patch_applies(void) {
    return __builtin_expect(__atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_RELAXED), 0)
        && weave_hub_context != NULL
        && weave_running_context != weave_hub_context;
}

/// Takes the hooks' decision `iterations` times, each time from thread-local memory, and
/// returns how many times it said "wait": a probe for the benchmark of the decision alone.
uint64_t weave_patch_count_waiting_decisions(uint64_t iterations);

/// glibc's read(2), not the hook: for comparisons with the hooked call.
ssize_t weave_patch_real_read(int fd, void *buffer, size_t count);

/// glibc's getaddrinfo(3), not the hook: what the blocking pool runs.
int weave_patch_real_getaddrinfo(const char *node, const char *service,
                                 const struct addrinfo *hints, struct addrinfo **result);

/// Whether the global symbol `name` (one of the hooked functions) resolves to this
/// executable's hook, so that shared libraries calling it are interposed: 1 yes, 0 no
/// (the executable does not export it; see `nm -D`), -1 not a hooked name.
int weave_patch_hook_is_visible(const char *name);

#ifdef __cplusplus
}
#endif

#endif
