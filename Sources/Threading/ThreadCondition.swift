import WeaveDurations

/// A condition variable for OS threads — Python's `threading.Condition`.
///
/// Threads wait on it holding its lock; `wait` releases the lock while it waits and takes
/// it back before returning. Waiters are woken in the order they began waiting. The lock
/// is a ``ThreadRLock`` (Python's default) or a ``ThreadLock``, given or made.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too, so green code uses `GreenCondition` instead.
///
/// ```swift
/// let ready = ThreadCondition()
/// try ready.withLock { while queue.isEmpty { try ready.wait() } }
/// ```
public final class ThreadCondition: Sendable {
    private enum Underlying: Sendable {
        case plain(ThreadLock)
        case reentrant(ThreadRLock)
    }

    /// The waiters, by ticket: queued until notified, then notified until they wake.
    private struct Waiters {
        var queued: [UInt64] = []
        var notified: Set<UInt64> = []
        var nextTicket: UInt64 = 0
    }

    private let underlying: Underlying
    private let waiters = ConditionHandle(Waiters())

    /// Creates a condition over a new ``ThreadRLock`` — `Condition()`.
    public convenience init() {
        self.init(lock: ThreadRLock())
    }

    /// Creates a condition over `lock` — `Condition(lock)`.
    public init(lock: ThreadRLock) {
        underlying = .reentrant(lock)
    }

    /// Creates a condition over `lock` — `Condition(lock)` with a `Lock`.
    public init(lock: ThreadLock) {
        underlying = .plain(lock)
    }

    // MARK: The lock

    /// Takes the condition's lock — `Condition.acquire(blocking, timeout)`.
    ///
    /// - Returns: Whether the caller now holds the lock.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) -> Bool {
        switch underlying {
        case .plain(let lock): lock.acquire(blocking: blocking, timeout: timeout)
        case .reentrant(let lock): lock.acquire(blocking: blocking, timeout: timeout)
        }
    }

    /// Releases the condition's lock — `Condition.release()`.
    ///
    /// - Throws: ``ThreadingError`` `.releaseUnlocked` or `.notOwner`, as the lock does.
    public func release() throws {
        switch underlying {
        case .plain(let lock): try lock.release()
        case .reentrant(let lock): try lock.release()
        }
    }

    /// Runs `body` holding the condition's lock — `with condition:`.
    ///
    /// - Throws: What `body` throws, or what releasing the lock throws.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        switch underlying {
        case .plain(let lock): try lock.withLock(body)
        case .reentrant(let lock): try lock.withLock(body)
        }
    }

    // MARK: Waiting

    /// Releases the lock, waits until notified or until `timeout` passes, and takes the
    /// lock back — `Condition.wait(timeout)`. Call holding the lock.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the caller was notified; false when the timeout expired.
    /// - Throws: `ThreadingError(.lockNotHeld)` when the caller does not hold the lock.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        try checkHeld("wait")
        let deadline = Deadline(timeout: timeout)
        let ticket = waiters.withLock { waiters in
            let ticket = waiters.nextTicket
            waiters.nextTicket += 1
            waiters.queued.append(ticket)
            return ticket
        }
        let levels = releaseForWait()
        let notified = waiters.wait(until: deadline, for: { $0.notified.contains(ticket) }) { waiters, notified in
            if notified {
                waiters.notified.remove(ticket)
            } else {
                waiters.queued.removeAll { $0 == ticket }
            }
            return notified
        }
        reacquireAfterWait(levels: levels)
        return notified
    }

    /// Waits until `predicate` holds — `Condition.wait_for(predicate, timeout)`. Call
    /// holding the lock; `predicate` runs holding it.
    ///
    /// - Parameters:
    ///   - predicate: The state awaited; checked first, then after each wake-up.
    ///   - timeout: Seconds to wait at most over all wake-ups; `nil` waits for ever.
    /// - Returns: The predicate's last value: false when the timeout expired first.
    /// - Throws: What `predicate` throws; `ThreadingError(.lockNotHeld)`.
    @DurationOverload
    public func wait(for predicate: () throws -> Bool, timeout: Double? = nil) throws -> Bool {
        let deadline = Deadline(timeout: timeout)
        while try !predicate() {
            if let remaining = deadline.remainingSeconds, remaining <= 0 { return false }
            try wait(timeout: deadline.remainingSeconds)
        }
        return true
    }

    /// Wakes up to `count` waiters, the longest-waiting first — `Condition.notify(n)`.
    /// Call holding the lock; the woken take the lock once the caller releases it.
    ///
    /// - Throws: `ThreadingError(.lockNotHeld)` when the caller does not hold the lock.
    public func notify(_ count: Int = 1) throws {
        try checkHeld("notify")
        waiters.withLock { waiters in
            let woken = waiters.queued.prefix(max(count, 0))
            waiters.notified.formUnion(woken)
            waiters.queued.removeFirst(woken.count)
        }
        waiters.broadcast()
    }

    /// Wakes every waiter — `Condition.notify_all()`. Call holding the lock.
    ///
    /// - Throws: `ThreadingError(.lockNotHeld)` when the caller does not hold the lock.
    public func notifyAll() throws {
        try notify(Int.max)
    }

    // MARK: The lock around a wait

    /// Python's `_is_owned()`: an `RLock` knows its holder; a `Lock` only whether it is
    /// held.
    private func checkHeld(_ operation: String) throws {
        let held = switch underlying {
        case .plain(let lock): lock.isLocked
        case .reentrant(let lock): lock.isHeldByCurrentThread
        }
        guard held else {
            throw ThreadingError(.lockNotHeld, context: "ThreadCondition.\(operation)() without holding its lock")
        }
    }

    private func releaseForWait() -> Int {
        switch underlying {
        case .plain(let lock):
            lock.releaseForConditionWait()
            return 1
        case .reentrant(let lock):
            return lock.releaseAllLevels()
        }
    }

    private func reacquireAfterWait(levels: Int) {
        switch underlying {
        case .plain(let lock): lock.acquire()
        case .reentrant(let lock): lock.reacquire(levels: levels)
        }
    }
}
