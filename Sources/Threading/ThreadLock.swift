import WeaveDurations

/// A mutual-exclusion lock for OS threads — Python's `threading.Lock`.
///
/// Not reentrant: a thread that acquires it twice waits for ever (use ``ThreadRLock``).
/// As in Python, any thread may release it, not only the one that acquired it.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too, so green code uses `GreenLock` instead.
///
/// ```swift
/// let lock = ThreadLock()
/// try lock.withLock { counter += 1 }
/// ```
public final class ThreadLock: Sendable {
    private let handle = ConditionHandle(false)

    /// Creates an unlocked lock.
    public init() {}

    /// Takes the lock, waiting while another thread holds it — `Lock.acquire(blocking,
    /// timeout)`.
    ///
    /// - Parameters:
    ///   - blocking: Whether to wait; `false` tries once and returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the caller now holds the lock.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) -> Bool {
        handle.wait(until: Deadline(blocking: blocking, timeout: timeout), for: { !$0 }) { locked, ready in
            if ready { locked = true }
            return ready
        }
    }

    /// Gives the lock back and wakes one waiter — `Lock.release()`.
    ///
    /// - Throws: `ThreadingError(.releaseUnlocked)` when the lock is not held.
    public func release() throws {
        try handle.withLock { locked in
            guard locked else { throw ThreadingError(.releaseUnlocked, context: "ThreadLock.release()") }
            locked = false
        }
        handle.signal()
    }

    /// Frees the lock for `ThreadCondition.wait`, which checked that it is held.
    func releaseForConditionWait() {
        handle.withLock { $0 = false }
        handle.signal()
    }

    /// Whether some thread holds the lock now — `Lock.locked()`.
    public var isLocked: Bool { handle.withLock { $0 } }

    /// Runs `body` holding the lock — `with lock:`.
    ///
    /// - Throws: What `body` throws; `ThreadingError(.releaseUnlocked)` if another thread
    ///   released the lock while `body` ran.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        acquire()
        let result = Swift.Result(catching: body)
        try release()
        return try result.get()
    }
}
