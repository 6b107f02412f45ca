import WeaveDurations

/// A first-in, first-out queue between processes (Python's `multiprocessing.Queue`), for
/// any number of producers and consumers.
///
/// Create it before starting the processes that use it. Elements travel in Weave's binary
/// `Codable` encoding (`[UInt8]`, `Int`, `String` and `Double` take a plain-copy path).
///
/// Each message is delivered exactly once. `put` copies the message into shared memory
/// before returning, so a producer that exits straight after `put` neither blocks nor
/// loses the message, and its parent's `join` never waits on unread data. A producer
/// that crashes in the middle of a `put` leaves nothing behind: readers never see a torn
/// message.
public final class ProcessQueue<Element: Codable & Sendable>: @unchecked Sendable {
    let log: SharedMessageLog
    private let closed = InProcessFlag()

    /// Creates an empty queue.
    /// - Parameter maxSize: The most unread elements allowed; `put` waits while the queue
    ///   holds that many. 0 (the default) means unbounded: memory, not a count, is the limit.
    /// - Throws: `.invalidArgument` for a negative size, `.systemCallFailed` when shared
    ///   memory cannot be made.
    public convenience init(maxSize: Int = 0) throws {
        guard maxSize >= 0 else {
            throw MultiprocessingError(.invalidArgument, context: "maxSize must be 0 (unbounded) or more, got \(maxSize)")
        }
        self.init(log: try SharedMessageLog(maximumCount: maxSize))
    }

    init(log: SharedMessageLog) {
        self.log = log
    }

    /// Appends `element`, waiting at most `timeout` seconds for room (nil waits for ever).
    /// - Throws: `.queueFull` when the timeout expires, `.queueClosed` after `close()`,
    ///   `EncodingError` when the element cannot be encoded.
    @DurationOverload
    public func put(_ element: Element, timeout: Double? = nil) throws {
        try closed.check()
        let bytes = try BinaryCodableEncoder().encode(element)
        let stored = try log.put(length: bytes.count, timeout: timeout) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        if !stored { throw MultiprocessingError(.queueFull) }
    }

    /// Appends `element` if there is room now.
    /// - Throws: `.queueFull` otherwise.
    public func putNowait(_ element: Element) throws {
        try put(element, timeout: 0)
    }

    /// Removes and returns the oldest element, waiting at most `timeout` seconds (nil waits
    /// for ever).
    /// - Throws: `.queueEmpty` when the timeout expires, `.queueClosed` after `close()`,
    ///   `DecodingError` when the message does not decode as `Element` (it is consumed).
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Element {
        try closed.check()
        let decoder = BinaryCodableDecoder()
        guard let element = try log.get(timeout: timeout, { try decoder.decode(Element.self, from: $0) }) else {
            throw MultiprocessingError(.queueEmpty)
        }
        return element
    }

    /// Removes and returns the oldest element if there is one now.
    /// - Throws: `.queueEmpty` otherwise.
    public func getNowait() throws -> Element {
        try get(timeout: 0)
    }

    /// The number of unread elements (Python's `qsize()`); it may change at once.
    public var count: Int { log.count }

    /// Whether the queue holds no unread element right now.
    public var isEmpty: Bool { log.count == 0 }

    /// Stops this process from using the queue; other processes keep theirs. Messages
    /// already put stay readable by them.
    public func close() {
        closed.set()
    }
}

/// A lighter queue between processes (Python's `multiprocessing.SimpleQueue`): unbounded,
/// with blocking `put` and `get` only. Same delivery guarantees as ``ProcessQueue``.
public final class SimpleProcessQueue<Element: Codable & Sendable>: @unchecked Sendable {
    let queue: ProcessQueue<Element>

    /// Creates an empty queue.
    public convenience init() throws {
        self.init(queue: try ProcessQueue())
    }

    init(queue: ProcessQueue<Element>) {
        self.queue = queue
    }

    /// Appends `element`.
    public func put(_ element: Element) throws { try queue.put(element) }

    /// Removes and returns the oldest element, waiting for one.
    public func get() throws -> Element { try queue.get() }

    /// Whether the queue is empty right now.
    public var isEmpty: Bool { queue.isEmpty }

    /// Stops this process from using the queue.
    public func close() { queue.close() }
}

/// A process queue that also counts unfinished tasks (Python's
/// `multiprocessing.JoinableQueue`): every `put` adds one, every `taskDone` removes one,
/// and `join` waits for zero.
public final class JoinableProcessQueue<Element: Codable & Sendable>: @unchecked Sendable {
    let queue: ProcessQueue<Element>
    let tasks: SharedMonitor
    private var unfinished: UnsafeMutablePointer<Int64> { tasks.slot(0) }

    /// Creates an empty queue; `maxSize` as in ``ProcessQueue``.
    public convenience init(maxSize: Int = 0) throws {
        self.init(queue: try ProcessQueue(maxSize: maxSize), tasks: try SharedMonitor(name: "weave-joinable"))
    }

    init(queue: ProcessQueue<Element>, tasks: SharedMonitor) {
        self.queue = queue
        self.tasks = tasks
    }

    /// Appends `element` and counts one more unfinished task.
    /// - Throws: as `ProcessQueue.put`.
    @DurationOverload
    public func put(_ element: Element, timeout: Double? = nil) throws {
        _ = try tasks.lockInternal()
        unfinished.pointee += 1
        try tasks.unlock()
        do {
            try queue.put(element, timeout: timeout)
        } catch {
            _ = try tasks.lockInternal()
            unfinished.pointee -= 1
            if unfinished.pointee == 0 { tasks.signal() }
            try tasks.unlock()
            throw error
        }
    }

    /// Removes and returns the oldest element; as `ProcessQueue.get`.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Element {
        try queue.get(timeout: timeout)
    }

    /// Marks one task fetched with `get` as done.
    /// - Throws: `.tooManyTaskDone` when no task is unfinished.
    public func taskDone() throws {
        _ = try tasks.lockInternal()
        defer { try? tasks.unlock() }
        guard unfinished.pointee > 0 else { throw MultiprocessingError(.tooManyTaskDone) }
        unfinished.pointee -= 1
        if unfinished.pointee == 0 { tasks.signal() }
    }

    /// Waits until every element put has been marked done, at most `timeout` seconds.
    /// Returns whether that happened.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        let limitTime = deadline(after: timeout)
        _ = try tasks.lockInternal()
        defer { try? tasks.unlock() }
        while unfinished.pointee > 0 {
            if try !tasks.wait(deadline: limitTime) { return unfinished.pointee == 0 }
        }
        return true
    }

    /// The number of unread elements.
    public var count: Int { queue.count }

    /// Whether the queue holds no unread element right now.
    public var isEmpty: Bool { queue.isEmpty }

    /// Stops this process from using the queue.
    public func close() { queue.close() }
}
