/// A fixed-size array of a trivially copyable type in shared memory (Python's
/// `multiprocessing.Array`), with an optional lock.
public final class SharedArray<Element: BitwiseCopyable>: @unchecked Sendable {
    let region: SharedRegion
    private let elements: UnsafeMutablePointer<Element>
    /// The number of elements.
    public let count: Int
    /// The lock `withLock` takes, or nil for an array created with `locked: false`.
    public let lock: ProcessLock?

    /// Creates a shared array of `count` copies of `value`.
    /// - Throws: `.invalidArgument` for a negative count.
    public convenience init(repeating value: Element, count: Int, locked: Bool = true) throws {
        guard count >= 0 else {
            throw MultiprocessingError(.invalidArgument, context: "a SharedArray's count must not be negative, got \(count)")
        }
        self.init(
            region: try SharedRegion(size: max(1, count) * MemoryLayout<Element>.stride, name: "weave-array"),
            count: count, lock: locked ? try ProcessLock() : nil)
        elements.initialize(repeating: value, count: count)
    }

    /// The array in `region`, which holds at least `count` elements.
    init(region: SharedRegion, count: Int, lock: ProcessLock?) {
        self.region = region
        elements = region.base.bindMemory(to: Element.self, capacity: max(1, count))
        self.count = count
        self.lock = lock
    }

    /// Creates a shared array holding a plain copy of `values`.
    public convenience init(_ values: [Element], locked: Bool = true) throws {
        guard let first = values.first else {
            throw MultiprocessingError(.invalidArgument, context: "use init(repeating:count: 0) for an empty SharedArray")
        }
        try self.init(repeating: first, count: values.count, locked: locked)
        values.withUnsafeBufferPointer { source in
            _ = UnsafeMutableBufferPointer(start: elements, count: count).initialize(from: source)
        }
    }

    /// The element at `index`; traps outside `0..<count`, as arrays do.
    public subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "SharedArray index \(index) is out of 0..<\(count)")
            return elements[index]
        }
        set {
            precondition(index >= 0 && index < count, "SharedArray index \(index) is out of 0..<\(count)")
            elements[index] = newValue
        }
    }

    /// A plain copy of the elements.
    public var array: [Element] {
        Array(UnsafeBufferPointer(start: elements, count: count))
    }

    /// Runs `body` on the elements in place, holding the lock.
    /// - Throws: `.invalidArgument` for an array without a lock; `.ownerDied` as
    ///   `ProcessLock.withLock` does.
    public func withLock<Result>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> Result) throws -> Result {
        guard let lock else {
            throw MultiprocessingError(.invalidArgument, context: "this SharedArray was created with locked: false")
        }
        return try lock.withLock { try body(UnsafeMutableBufferPointer(start: elements, count: count)) }
    }
}
