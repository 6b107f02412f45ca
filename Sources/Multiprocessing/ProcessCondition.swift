import WeaveDurations

/// A condition variable shared by a process and its children (Python's
/// `multiprocessing.Condition`), tied to a ``ProcessRLock``.
///
/// Hold the lock around `wait` and `notify`. Waiters re-check their predicate after waking:
/// wake-ups may be spurious, as with every condition variable.
public final class ProcessCondition: @unchecked Sendable {
    /// The lock this condition releases while waiting.
    public let lock: ProcessRLock
    let signals: SharedMonitor

    /// Creates a condition over `lock`, or over a new ``ProcessRLock``.
    public convenience init(lock: ProcessRLock? = nil) throws {
        self.init(lock: try lock ?? ProcessRLock(), signals: try SharedMonitor(name: "weave-condition"))
    }

    init(lock: ProcessRLock, signals: SharedMonitor) {
        self.lock = lock
        self.signals = signals
    }

    /// Acquires the underlying lock.
    public func acquire() throws { try lock.acquire() }

    /// Releases the underlying lock.
    public func release() throws { try lock.release() }

    /// Runs `body` holding the underlying lock.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try lock.withLock(body)
    }

    /// Releases the lock, waits for `notify` at most `timeout` seconds, and re-acquires
    /// the lock as many times as it was held. Returns false on timeout.
    /// - Throws: `.notOwner` when the caller does not hold the lock.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        let held = Int(lock.depth.pointee)
        guard held > 0 else { throw MultiprocessingError(.notOwner, context: "wait() needs the condition's lock held") }
        _ = try signals.lockInternal()
        for _ in 0..<held { try lock.release() }
        let notified = try signals.wait(deadline: deadline(after: timeout))
        try signals.unlock()
        for _ in 0..<held { try lock.acquire() }
        return notified
    }

    /// Waits until `predicate` holds, at most `timeout` seconds in all; returns its last
    /// value.
    @DurationOverload
    @discardableResult
    public func wait(for predicate: () throws -> Bool, timeout: Double? = nil) throws -> Bool {
        let limitTime = deadline(after: timeout)
        while try !predicate() {
            let remaining = limitTime.map { $0 - Syscalls.monotonicSeconds() }
            if let remaining, remaining <= 0 { return try predicate() }
            try wait(timeout: remaining)
        }
        return true
    }

    /// Wakes the processes waiting on this condition. Wake-ups are broadcast: every waiter
    /// re-checks its predicate, which keeps `notify` correct for any count.
    public func notify() throws {
        try notifyAll()
    }

    /// Wakes every process waiting on this condition.
    public func notifyAll() throws {
        _ = try signals.lockInternal()
        signals.signal()
        try signals.unlock()
    }
}
