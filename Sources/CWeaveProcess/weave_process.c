#define _GNU_SOURCE
#include "weave_process.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#if defined(__APPLE__)
#include <dlfcn.h>
#endif
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define WEAVE_HAS_SINGLE_THREADED_FLAG 1
#include <sys/single_threaded.h>
#endif

#if defined(__linux__)
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

static void weave_process_reset_inherited_signals(void) {
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(SIGTERM, &default_action, NULL);
    static const int caught_only[] = {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t index = 0; index < sizeof caught_only / sizeof caught_only[0]; index++) {
        struct sigaction current;
        if (sigaction(caught_only[index], NULL, &current) != 0) continue;
        if (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN) {
            sigaction(caught_only[index], &default_action, NULL);
        }
    }
}

pid_t weave_process_fork_with_default_signals(void) {
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    int saved = errno;
    if (pid == 0) {
        weave_process_reset_inherited_signals();
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return pid;
}

int weave_process_set_parent_death_signal(int signal_number) {
#if defined(__linux__)
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal_number, 0UL, 0UL, 0UL);
#else
    (void)signal_number;
    errno = ENOSYS;
    return -1;
#endif
}

void weave_process_exit_immediately(int code) {
    // Called through a pointer loaded from the GOT, which the loader fills at start-up, not
    // through a lazily bound PLT entry: a forked child would otherwise look `_exit` up in
    // every loaded library (the parent never calls it), faulting their symbol tables in.
    void (*volatile exit_now)(int) = _exit;
    exit_now(code);
    for (;;) {}
}

int weave_process_pidfd_open(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int weave_process_memfd_create(const char *name) {
#if defined(__linux__)
    return memfd_create(name, MFD_CLOEXEC);
#else
    (void)name;
    errno = ENOSYS;
    return -1;
#endif
}

int weave_process_futex_wait(uint32_t *address, uint32_t expected, int64_t timeout_ns) {
#if defined(__linux__)
    struct timespec timeout;
    struct timespec *timeout_pointer = NULL;
    if (timeout_ns >= 0) {
        timeout.tv_sec = (time_t)(timeout_ns / 1000000000);
        timeout.tv_nsec = (long)(timeout_ns % 1000000000);
        timeout_pointer = &timeout;
    }
    return (int)syscall(SYS_futex, address, FUTEX_WAIT, expected, timeout_pointer, NULL, 0);
#else
    (void)address; (void)expected; (void)timeout_ns;
    errno = ENOSYS;
    return -1;
#endif
}

int weave_process_futex_wake(uint32_t *address, int count) {
#if defined(__linux__)
    return (int)syscall(SYS_futex, address, FUTEX_WAKE, count, NULL, NULL, 0);
#else
    (void)address; (void)count;
    errno = ENOSYS;
    return -1;
#endif
}

int weave_process_punch_hole(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
#else
    (void)fd; (void)offset; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int weave_process_exit_code_from_status(int status) {
    if (WIFEXITED(status)) { return WEXITSTATUS(status); }
    if (WIFSIGNALED(status)) { return -WTERMSIG(status); }
    return 0;
}

int weave_process_status_is_terminal(int status) {
    return WIFEXITED(status) || WIFSIGNALED(status);
}

int weave_process_never_threaded(void) {
#if defined(WEAVE_HAS_SINGLE_THREADED_FLAG)
    // glibc clears the flag when the process creates its first thread.
    return __libc_single_threaded != 0;
#else
    return 0;
#endif
}

// libdispatch's record of whether it ever started a thread; it is not in its public
// headers. Linux: a weak reference, null in a process without libdispatch (and resolved
// when the Swift runtime is linked statically). Apple platforms: looked up at load time,
// since linking a weak reference there needs the symbol in the SDK.
#if defined(__APPLE__)
static bool (*weave_dispatch_is_multithreaded)(void);
#else
extern bool _dispatch_is_multithreaded(void) __attribute__((weak));
#define weave_dispatch_is_multithreaded _dispatch_is_multithreaded
#endif

static volatile int weave_dispatch_lost_to_fork;

// Runs in every forked child. The record is inherited from the parent: when it says the
// parent's Dispatch had threads, the child's Dispatch counts threads it does not have.
static void weave_note_forked_child(void) {
    if (weave_dispatch_is_multithreaded != NULL && weave_dispatch_is_multithreaded()) {
        weave_dispatch_lost_to_fork = 1;
    }
}

__attribute__((constructor)) static void weave_register_fork_handlers(void) {
#if defined(__APPLE__)
    weave_dispatch_is_multithreaded = (bool (*)(void))dlsym(RTLD_DEFAULT, "_dispatch_is_multithreaded");
#endif
    pthread_atfork(NULL, NULL, weave_note_forked_child);
}

int weave_process_dispatch_is_unusable(void) {
    return weave_dispatch_lost_to_fork;
}

static _Thread_local int weave_process_thread_unforkable;

void weave_process_mark_thread_unforkable(void) {
    weave_process_thread_unforkable = 1;
}

int weave_process_thread_is_unforkable(void) {
    return weave_process_thread_unforkable;
}

void weave_process_close_descriptors_except(int kept) {
#if defined(__linux__) && defined(SYS_close_range)
    if (kept > 3) { syscall(SYS_close_range, 3U, (unsigned)(kept - 1), 0U); }
    syscall(SYS_close_range, (unsigned)(kept + 1), ~0U, 0U);
#else
    int limit = getdtablesize();
    for (int fd = 3; fd < limit; fd++) {
        if (fd != kept) { close(fd); }
    }
#endif
}

int weave_process_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
