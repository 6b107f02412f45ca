import WeaveDurations

/// A re-entrant lock shared by a process and its children (Python's
/// `multiprocessing.RLock`): the holding thread may acquire it again and must release it
/// as many times.
///
/// Like ``ProcessLock``, it is a robust `pthread_mutex_t` (of type `PTHREAD_MUTEX_RECURSIVE`)
/// and reports a holder that died with `MultiprocessingError.ownerDied`.
public final class ProcessRLock: @unchecked Sendable {
    let monitor: SharedMonitor

    /// Creates an unlocked re-entrant lock in shared memory.
    /// - Throws: `.systemCallFailed` when shared memory cannot be made.
    public convenience init() throws {
        self.init(monitor: try SharedMonitor(recursive: true, name: "weave-rlock"))
    }

    init(monitor: SharedMonitor) {
        self.monitor = monitor
    }

    /// How many times the holder has acquired the lock without releasing it.
    var depth: UnsafeMutablePointer<Int64> { monitor.slot(0) }

    /// Blocks until the lock is held, or adds one level if the calling thread holds it.
    /// - Throws: `.ownerDied` when the previous holder died holding it (the caller holds the
    ///   lock once then).
    public func acquire() throws {
        try record(monitor.lock())
    }

    /// Tries to take the lock within `timeout` seconds; returns whether it is held.
    /// - Throws: `.ownerDied` as `acquire()` does.
    @DurationOverload
    public func acquire(timeout: Double) throws -> Bool {
        let outcome = try monitor.lock(deadline: deadline(after: timeout))
        if outcome == .timedOut { return false }
        try record(outcome)
        return true
    }

    private func record(_ outcome: SharedMonitor.Acquisition) throws {
        if outcome == .acquiredFromDeadOwner {
            depth.pointee = 1
            throw MultiprocessingError(.ownerDied)
        }
        depth.pointee += 1
    }

    /// Releases one level of the lock.
    /// - Throws: `.notOwner` when the calling thread does not hold it.
    public func release() throws {
        try monitor.unlock()
        depth.pointee -= 1
    }

    /// Runs `body` holding the lock; see `ProcessLock.withLock` for a dead holder.
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
