import WeaveDurations

/// A barrier for a fixed number of processes (Python's `multiprocessing.Barrier`): each
/// `wait` blocks until `parties` callers are waiting, then all proceed.
public final class ProcessBarrier: @unchecked Sendable {
    let monitor: SharedMonitor
    /// The number of callers needed to pass the barrier.
    public let parties: Int
    private var arrived: UnsafeMutablePointer<Int64> { monitor.slot(0) }
    private var generation: UnsafeMutablePointer<Int64> { monitor.slot(1) }
    private var broken: UnsafeMutablePointer<Int64> { monitor.slot(2) }
    private var resets: UnsafeMutablePointer<Int64> { monitor.slot(3) }

    /// Creates a barrier for `parties` callers.
    /// - Throws: `.invalidArgument` when `parties` is less than 1.
    public convenience init(parties: Int) throws {
        guard parties >= 1 else {
            throw MultiprocessingError(.invalidArgument, context: "a barrier needs at least 1 party, got \(parties)")
        }
        self.init(monitor: try SharedMonitor(name: "weave-barrier"), parties: parties)
    }

    init(monitor: SharedMonitor, parties: Int) {
        self.monitor = monitor
        self.parties = parties
    }

    /// Waits for the other parties, at most `timeout` seconds. Returns this caller's arrival
    /// index, from `parties - 1` for the first to 0 for the last.
    /// - Throws: `.brokenBarrier` when the barrier is or becomes broken (a timeout breaks it).
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Int {
        let limitTime = deadline(after: timeout)
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        if broken.pointee != 0 { throw MultiprocessingError(.brokenBarrier) }
        let index = parties - 1 - Int(arrived.pointee)
        arrived.pointee += 1
        if arrived.pointee == Int64(parties) {
            arrived.pointee = 0
            generation.pointee += 1
            monitor.signal()
            return index
        }
        let myGeneration = generation.pointee
        let myResets = resets.pointee
        while generation.pointee == myGeneration && broken.pointee == 0 {
            if try !monitor.wait(deadline: limitTime) && generation.pointee == myGeneration {
                breakLocked()
                throw MultiprocessingError(.brokenBarrier, context: "timed out")
            }
        }
        if generation.pointee == myGeneration || resets.pointee != myResets {
            throw MultiprocessingError(.brokenBarrier)
        }
        return index
    }

    /// Breaks the barrier: current and future waiters throw `.brokenBarrier` until `reset()`.
    public func abort() throws {
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        breakLocked()
    }

    /// Returns the barrier to its empty, unbroken state; current waiters throw `.brokenBarrier`.
    public func reset() throws {
        _ = try monitor.lockInternal()
        defer { try? monitor.unlock() }
        arrived.pointee = 0
        broken.pointee = 0
        resets.pointee += 1
        generation.pointee += 1
        monitor.signal()
    }

    /// Whether the barrier is broken.
    public var isBroken: Bool {
        get throws {
            _ = try monitor.lockInternal()
            defer { try? monitor.unlock() }
            return broken.pointee != 0
        }
    }

    private func breakLocked() {
        broken.pointee = 1
        arrived.pointee = 0
        monitor.signal()
    }
}
