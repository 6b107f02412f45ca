// sleep, usleep, nanosleep and clock_nanosleep: a greenlet sleeps on its hub's timers.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <errno.h>
#include <unistd.h>

// Sleeps `duration_ns` cooperatively. Returns 0, EINTR (then `*left_ns` holds what was
// not slept), or EPERM when it cannot park here.
static WEAVE_PATCH_SLOW int weave_patch_green_sleep(int64_t duration_ns, int64_t *left_ns) {
    __atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_ACQUIRE);
    int64_t start = weave_patch_now_ns();
    int result = weave_patch_active.sleep_for(duration_ns);
    if (result == EINTR && left_ns != NULL) {
        int64_t left = duration_ns - (weave_patch_now_ns() - start);
        *left_ns = left > 0 ? left : 0;
    }
    return result;
}

static int weave_patch_valid_timespec(const struct timespec *time) {
    return time != NULL && time->tv_sec >= 0 && time->tv_nsec >= 0 && time->tv_nsec < 1000000000;
}

static int64_t weave_patch_timespec_ns(const struct timespec *time) {
    if (time->tv_sec >= INT64_MAX / 1000000000 - 1) return INT64_MAX;
    return (int64_t)time->tv_sec * 1000000000 + time->tv_nsec;
}

static struct timespec weave_patch_ns_timespec(int64_t ns) {
    struct timespec time = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    return time;
}

unsigned int sleep(unsigned int seconds) {
    if (!weave_patch_applies()) return WEAVE_REAL(sleep)(seconds);
    int64_t left = 0;
    int result = weave_patch_green_sleep((int64_t)seconds * 1000000000, &left);
    if (result == EPERM) return WEAVE_REAL(sleep)(seconds);
    if (result == EINTR) {
        // As glibc does: whole seconds left, rounded to the nearest.
        return (unsigned int)(left / 1000000000 + (left % 1000000000 >= 500000000));
    }
    return 0;
}

int usleep(useconds_t microseconds) {
    if (!weave_patch_applies()) return WEAVE_REAL(usleep)(microseconds);
    int result = weave_patch_green_sleep((int64_t)microseconds * 1000, NULL);
    if (result == EPERM) return WEAVE_REAL(usleep)(microseconds);
    if (result == EINTR) {
        errno = EINTR;
        return -1;
    }
    return 0;
}

int nanosleep(const struct timespec *requested, struct timespec *remaining) {
    if (!weave_patch_applies() || !weave_patch_valid_timespec(requested)) {
        return WEAVE_REAL(nanosleep)(requested, remaining);
    }
    int64_t left = 0;
    int result = weave_patch_green_sleep(weave_patch_timespec_ns(requested), &left);
    if (result == EPERM) return WEAVE_REAL(nanosleep)(requested, remaining);
    if (result == EINTR) {
        if (remaining != NULL) *remaining = weave_patch_ns_timespec(left);
        errno = EINTR;
        return -1;
    }
    return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *requested, struct timespec *remaining) {
    int supported = clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME
        || clock == CLOCK_TAI;
    if (!weave_patch_applies() || !supported || !weave_patch_valid_timespec(requested)) {
        return WEAVE_REAL(clock_nanosleep)(clock, flags, requested, remaining);
    }
    int64_t duration = weave_patch_timespec_ns(requested);
    if (flags & TIMER_ABSTIME) {
        struct timespec now;
        clock_gettime(clock, &now);
        int64_t now_ns = weave_patch_timespec_ns(&now);
        duration = duration > now_ns ? duration - now_ns : 0;
    }
    int64_t left = 0;
    int result = weave_patch_green_sleep(duration, &left);
    if (result == EPERM) return WEAVE_REAL(clock_nanosleep)(clock, flags, requested, remaining);
    if (result == EINTR) {
        // clock_nanosleep reports its error as the result, and fills `remaining` only for
        // a relative sleep.
        if (remaining != NULL && !(flags & TIMER_ABSTIME)) *remaining = weave_patch_ns_timespec(left);
        return EINTR;
    }
    return 0;
}
