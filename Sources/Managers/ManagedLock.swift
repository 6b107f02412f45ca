import WeaveDurations

/// A proxy for a lock that lives in a manager process (Python's `Manager().Lock()`).
///
/// The lock is held by a process, not a thread: any thread of the holding process may
/// release it. When the holding process dies (its connections to the manager close), the
/// manager releases the lock, and the next process to get it is told: its `acquire`
/// throws ``ManagerError`` `.lockOwnerDied` while holding the lock, as a robust mutex
/// reports `EOWNERDEAD`. A waiting `acquire` waits on the manager; from a greenlet it
/// suspends only that greenlet.
public struct ManagedLock: Sendable {
    let core: ProxyCore

    /// Acquires the lock, waiting while another process holds it (Python's
    /// `lock.acquire(timeout=…)`).
    /// - Parameter timeout: Seconds to wait: nil waits for ever, 0 tries once.
    /// - Returns: Whether the lock was acquired.
    /// - Throws: ``ManagerError`` `.lockOwnerDied` when acquired from a holder that died: the
    ///   caller holds the lock; check the state it protects, then `release()` it.
    @DurationOverload
    public func acquire(timeout: Double? = nil) throws -> Bool {
        let reply = try core.perform(.lockAcquire, timeout: timeout)
        switch reply.status {
        case .timedOut: return false
        case .lockOwnerDied: throw ManagerError(.lockOwnerDied, context: "the previous holder's process ended while holding the lock")
        default: return true
        }
    }

    /// Releases the lock (Python's `lock.release()`).
    /// - Throws: ``ManagerError`` `.notOwner` when this process does not hold it.
    public func release() throws {
        _ = try core.perform(.lockRelease)
    }

    /// Runs `body` holding the lock, releasing it afterwards even when `body` throws
    /// (Python's `with lock:`).
    /// - Throws: What `body` throws; `.lockOwnerDied` (after releasing) when a previous
    ///   holder died, without running `body`, since the state it protects may be half-done.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            _ = try acquire()
        } catch let error as ManagerError where error.code == .lockOwnerDied {
            try release()
            throw error
        }
        defer { try? release() }
        return try body()
    }
}
