import WeaveDurations

/// A flag that processes wait on until another sets it (Python's `multiprocessing.Event`).
public final class ProcessEvent: @unchecked Sendable {
    let monitor: SharedMonitor
    private var flag: UnsafeMutablePointer<Int64> { monitor.slot(0) }

    /// Creates a cleared event in shared memory.
    /// - Throws: `.systemCallFailed` when shared memory cannot be made.
    public convenience init() throws {
        self.init(monitor: try SharedMonitor(name: "weave-event"))
    }

    init(monitor: SharedMonitor) {
        self.monitor = monitor
    }

    /// Whether the flag is set.
    public var isSet: Bool {
        get throws {
            _ = try monitor.lockInternal()
            defer { try? monitor.unlock() }
            return flag.pointee != 0
        }
    }

    /// Sets the flag and wakes every waiter.
    public func set() throws {
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        flag.pointee = 1
        monitor.signal()
    }

    /// Clears the flag.
    public func clear() throws {
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        flag.pointee = 0
    }

    /// Waits until the flag is set, at most `timeout` seconds (nil waits for ever).
    /// Returns whether the flag is set.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        let limitTime = deadline(after: timeout)
        guard try monitor.lockInternal(deadline: limitTime) else { return false }
        defer { try? monitor.unlock() }
        while flag.pointee == 0 {
            if try !monitor.wait(deadline: limitTime) { return flag.pointee != 0 }
        }
        return true
    }
}
