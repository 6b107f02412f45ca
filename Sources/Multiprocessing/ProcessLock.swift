import WeaveDurations

/// A lock shared by a process and the children it starts (Python's
/// `multiprocessing.Lock`).
///
/// It is a process-shared, robust `pthread_mutex_t` in shared memory. Create it before
/// starting the children that use it. The thread that acquired it releases it.
///
/// If a holder dies holding the lock, the next `acquire` takes the lock and throws
/// `MultiprocessingError.ownerDied`: the caller holds the lock, checks the data it
/// protects, and releases it. Nobody hangs.
public final class ProcessLock: @unchecked Sendable {
    let monitor: SharedMonitor

    /// Creates an unlocked lock in shared memory.
    /// - Throws: `MultiprocessingError.systemCallFailed` when shared memory cannot be made.
    public convenience init() throws {
        self.init(monitor: try SharedMonitor(name: "weave-lock"))
    }

    init(monitor: SharedMonitor) {
        self.monitor = monitor
    }

    /// Blocks until the lock is held (`pthread_mutex_lock`).
    /// - Throws: `.ownerDied` when the previous holder died holding it (the caller holds the
    ///   lock then); `.invalidArgument` when the calling thread already holds it.
    public func acquire() throws {
        if try monitor.lock() == .acquiredFromDeadOwner { throw MultiprocessingError(.ownerDied) }
    }

    /// Tries to take the lock within `timeout` seconds (`pthread_mutex_timedlock`; 0 only
    /// tries). Returns whether the lock is held.
    /// - Throws: `.ownerDied` as `acquire()` does.
    @DurationOverload
    public func acquire(timeout: Double) throws -> Bool {
        switch try monitor.lock(deadline: deadline(after: timeout)) {
        case .acquired: return true
        case .timedOut: return false
        case .acquiredFromDeadOwner: throw MultiprocessingError(.ownerDied)
        }
    }

    /// Releases the lock (`pthread_mutex_unlock`).
    /// - Throws: `.notOwner` when the calling thread does not hold it.
    public func release() throws {
        try monitor.unlock()
    }

    /// Runs `body` holding the lock.
    ///
    /// When the previous holder died holding the lock, this releases it and throws
    /// `.ownerDied` without running `body`; the lock is usable again afterwards.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            try acquire()
        } catch let error as MultiprocessingError where error.code == .ownerDied {
            try release()
            throw error
        }
        defer { try? release() }
        return try body()
    }
}
