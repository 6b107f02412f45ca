#ifndef WEAVE_PROCESS_H
#define WEAVE_PROCESS_H

#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>

/// Asks the kernel to send `signal_number` to the calling process when its parent thread
/// exits (Linux `prctl(PR_SET_PDEATHSIG)`). Returns 0, or -1 with errno (ENOSYS elsewhere).
int weave_process_set_parent_death_signal(int signal_number);

/// `fork()`, with the child's signals set up before any can be delivered to it: SIGTERM at
/// its default action, whatever the parent did with it, so that `terminate()` ends the
/// child; SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 at theirs when the parent caught them
/// (a handler of the parent's, such as libdispatch's signal sources that
/// swift-service-lifecycle uses, has nothing to run on in a forked child). Signals the
/// parent ignored stay ignored. Every signal is blocked across the fork and the reset, so
/// one sent to the child at once waits for its new disposition. Returns what `fork` returns,
/// with `errno` set as it sets it.
pid_t weave_process_fork_with_default_signals(void);

/// Leaves the process at once with `code` (`_exit`), without resolving `_exit` lazily in
/// the caller: a forked child pays for every first call its parent never made.
__attribute__((noreturn)) void weave_process_exit_immediately(int code);

/// Opens a pidfd for `pid` (Linux `pidfd_open`). Returns the descriptor, or -1 with errno.
int weave_process_pidfd_open(pid_t pid);

/// Creates an anonymous shared-memory file, closed on exec
/// (Linux `memfd_create` with MFD_CLOEXEC: a spawned child gets it only when it is passed
/// on purpose). Returns the descriptor, or -1 with errno.
int weave_process_memfd_create(const char *name);

/// Sleeps while `*address == expected`, at most `timeout_ns` nanoseconds when it is not
/// negative (Linux `futex(FUTEX_WAIT)` on a shared mapping). Returns 0, or -1 with errno.
int weave_process_futex_wait(uint32_t *address, uint32_t expected, int64_t timeout_ns);

/// Wakes up to `count` processes sleeping on `address` (Linux `futex(FUTEX_WAKE)`).
int weave_process_futex_wake(uint32_t *address, int count);

/// Releases the memory behind a page-aligned range of a shared file
/// (`fallocate(FALLOC_FL_PUNCH_HOLE)`). Returns 0, or -1 with errno.
int weave_process_punch_hole(int fd, int64_t offset, int64_t length);

/// Decodes a `waitpid` status: the exit code, or minus the signal that ended the process.
int weave_process_exit_code_from_status(int status);

/// Whether a `waitpid` status says the process ended (exited or was killed by a signal).
int weave_process_status_is_terminal(int status);

/// Whether this process has never created a thread of its own (glibc's
/// `__libc_single_threaded`): 1 when that is certain, 0 when it did or the C library does
/// not say.
int weave_process_never_threaded(void);

/// Whether Dispatch cannot be used in this process: it is a child forked from a parent
/// whose Dispatch threads had started, and work queued to Dispatch may never run (its
/// thread pool counts the parent's threads, which the child does not have). 0 when
/// libdispatch is not loaded or does not say.
int weave_process_dispatch_is_unusable(void);

/// Marks the calling thread as one whose state a forked child cannot use: it runs an event
/// loop (a Weave hub) whose epoll, eventfd and timerfd a child would share with the parent.
/// A child forked from such a thread runs its work on a fresh thread instead.
void weave_process_mark_thread_unforkable(void);

/// Whether the calling thread was marked with weave_process_mark_thread_unforkable.
int weave_process_thread_is_unforkable(void);

/// Closes every descriptor from 3 up except `kept` (Linux `close_range`, a loop elsewhere).
void weave_process_close_descriptors_except(int kept);

/// Adds to `actions` a change of the working directory to `path`, made in the child before
/// the program starts (`posix_spawn_file_actions_addchdir_np`: glibc 2.29+, macOS 10.15+;
/// Glibc's Swift import hides it behind `_GNU_SOURCE`). Returns 0, or an error number.
int weave_process_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
