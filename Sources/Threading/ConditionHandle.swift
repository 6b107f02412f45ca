#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex, a condition variable and the state they guard: the one blocking
/// mechanism under every primitive of the module.
///
/// `Synchronization.Mutex` cannot wait on a condition, so the primitives that block keep
/// their state here instead. On Linux the condition variable waits on `CLOCK_MONOTONIC`
/// (`pthread_condattr_setclock`); on Darwin timed waits are relative
/// (`pthread_cond_timedwait_relative_np`). Waits loop over spurious wake-ups until their
/// predicate holds or their deadline passes.
final class ConditionHandle<State>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    /// Creates a handle guarding `state`.
    init(_ state: State) {
        self.state = state
        initializeSystemObjects()
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func initializeSystemObjects() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if os(Linux)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// Runs `body` on the state with the mutex held (`pthread_mutex_lock`).
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Locks, waits (`pthread_cond_wait` / `pthread_cond_timedwait`) until `isReady`
    /// holds or `deadline` passes, then runs `body` with the lock still held, telling it
    /// whether `isReady` held.
    func wait<Result>(
        until deadline: Deadline,
        for isReady: (State) -> Bool,
        then body: (inout State, _ ready: Bool) throws -> Result
    ) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var ready = isReady(state)
        while !ready && waitOnce(until: deadline) {
            ready = isReady(state)
        }
        if !ready { ready = isReady(state) }
        return try body(&state, ready)
    }

    /// Wakes one waiter (`pthread_cond_signal`). Call after changing the state.
    func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter (`pthread_cond_broadcast`). Call after changing the state.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Takes the mutex outside `withLock`, for a `pthread_atfork` prepare handler only.
    func lockForFork() { pthread_mutex_lock(mutex) }

    /// Releases the mutex taken by `lockForFork()`, in the parent or the child.
    func unlockAfterFork() { pthread_mutex_unlock(mutex) }

    /// In a forked child, makes the mutex and condition variable usable again: a thread
    /// that held them in the parent does not exist in the child.
    func reinitializeInForkedChild() { initializeSystemObjects() }

    /// One wait with the mutex held; false once the deadline has passed.
    private func waitOnce(until deadline: Deadline) -> Bool {
        #if os(Linux)
        guard let limit = deadline.uptimeNanoseconds else { return waitWithoutEnd() }
        if Syscalls.monotonicNanoseconds() >= limit { return false }
        var spec = timespec(tv_sec: Int(limit / 1_000_000_000), tv_nsec: Int(limit % 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex, &spec) != ETIMEDOUT
        #else
        guard let remaining = deadline.remainingSeconds else { return waitWithoutEnd() }
        guard remaining > 0 else { return false }
        var spec = timespec(tv_sec: Int(remaining), tv_nsec: Int((remaining - remaining.rounded(.down)) * 1e9))
        return pthread_cond_timedwait_relative_np(condition, mutex, &spec) != ETIMEDOUT
        #endif
    }

    private func waitWithoutEnd() -> Bool {
        pthread_cond_wait(condition, mutex)
        return true
    }
}
