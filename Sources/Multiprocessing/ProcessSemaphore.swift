import WeaveDurations

/// A counting semaphore shared by a process and its children (Python's
/// `multiprocessing.Semaphore`). It can be released by any process.
public final class ProcessSemaphore: @unchecked Sendable {
    let monitor: SharedMonitor
    private var count: UnsafeMutablePointer<Int64> { monitor.slot(0) }
    private var limit: UnsafeMutablePointer<Int64> { monitor.slot(1) }

    /// Creates a semaphore holding `value` permits.
    /// - Throws: `.invalidArgument` when `value` is negative.
    public convenience init(value: Int = 1) throws {
        try self.init(value: value, bound: nil)
    }

    convenience init(value: Int, bound: Int?) throws {
        guard value >= 0 else {
            throw MultiprocessingError(.invalidArgument, context: "a semaphore's value must not be negative, got \(value)")
        }
        self.init(monitor: try SharedMonitor(name: "weave-semaphore"))
        count.pointee = Int64(value)
        limit.pointee = Int64(bound ?? -1)
    }

    init(monitor: SharedMonitor) {
        self.monitor = monitor
    }

    /// The number of permits available now; it may change at once.
    public var value: Int {
        get throws {
            _ = try monitor.lockInternal()
            defer { try? monitor.unlock() }
            return Int(count.pointee)
        }
    }

    /// Takes a permit, waiting for one at most `timeout` seconds (nil waits for ever).
    /// Returns whether a permit was taken.
    @DurationOverload
    @discardableResult
    public func acquire(timeout: Double? = nil) throws -> Bool {
        let limitTime = deadline(after: timeout)
        guard try monitor.lockInternal(deadline: limitTime) else { return false }
        defer { try? monitor.unlock() }
        while count.pointee == 0 {
            if try !monitor.wait(deadline: limitTime) && count.pointee == 0 { return false }
        }
        count.pointee -= 1
        return true
    }

    /// Returns a permit and wakes a waiter.
    /// - Throws: `.valueLimitExceeded` for a bounded semaphore already at its initial value.
    public func release() throws {
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        if limit.pointee >= 0 && count.pointee >= limit.pointee {
            throw MultiprocessingError(.valueLimitExceeded)
        }
        count.pointee += 1
        monitor.signal()
    }
}

/// A semaphore that refuses to be released above its initial value (Python's
/// `multiprocessing.BoundedSemaphore`).
public final class ProcessBoundedSemaphore: @unchecked Sendable {
    let semaphore: ProcessSemaphore

    /// Creates a bounded semaphore holding, and never exceeding, `value` permits.
    /// - Throws: `.invalidArgument` when `value` is negative.
    public convenience init(value: Int = 1) throws {
        self.init(semaphore: try ProcessSemaphore(value: value, bound: value))
    }

    init(semaphore: ProcessSemaphore) {
        self.semaphore = semaphore
    }

    /// The number of permits available now.
    public var value: Int { get throws { try semaphore.value } }

    /// Takes a permit, waiting at most `timeout` seconds; returns whether one was taken.
    @DurationOverload
    @discardableResult
    public func acquire(timeout: Double? = nil) throws -> Bool {
        try semaphore.acquire(timeout: timeout)
    }

    /// Returns a permit.
    /// - Throws: `.valueLimitExceeded` when that would exceed the initial value.
    public func release() throws {
        try semaphore.release()
    }
}
