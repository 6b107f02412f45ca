/// One value of a trivially copyable type in shared memory (Python's
/// `multiprocessing.Value`), with an optional lock.
///
/// Create it before starting the children that use it. Reads and writes copy the bytes
/// plainly; use `withLock` for read-modify-write updates such as increments.
public final class SharedValue<Value: BitwiseCopyable>: @unchecked Sendable {
    let region: SharedRegion
    private let pointer: UnsafeMutablePointer<Value>
    /// The lock `withLock` takes, or nil for a value created with `locked: false`.
    public let lock: ProcessLock?

    /// Creates a shared value holding `initial`.
    /// - Parameters:
    ///   - initial: The value to start with.
    ///   - locked: Whether to make a ``ProcessLock`` for it (the default, as in Python).
    public convenience init(_ initial: Value, locked: Bool = true) throws {
        self.init(
            region: try SharedRegion(size: MemoryLayout<Value>.stride, name: "weave-value"),
            lock: locked ? try ProcessLock() : nil)
        pointer.initialize(to: initial)
    }

    /// The value in `region`, which is at least one `Value` long.
    init(region: SharedRegion, lock: ProcessLock?) {
        self.region = region
        pointer = region.base.bindMemory(to: Value.self, capacity: 1)
        self.lock = lock
    }

    /// The current value: a plain copy in and out.
    public var value: Value {
        get { pointer.pointee }
        set { pointer.pointee = newValue }
    }

    /// Runs `body` on the value holding the lock (Python's `with v.get_lock():`).
    /// - Throws: `.invalidArgument` for a value created without a lock; `.ownerDied` as
    ///   `ProcessLock.withLock` does.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) throws -> Result {
        guard let lock else {
            throw MultiprocessingError(.invalidArgument, context: "this SharedValue was created with locked: false")
        }
        return try lock.withLock { try body(&pointer.pointee) }
    }
}
