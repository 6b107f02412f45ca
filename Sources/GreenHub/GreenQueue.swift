import DequeModule

/// A first-in first-out queue between greenlets — `gevent.queue.Queue` (and
/// `queue.Queue`, with Python 3.13's `shutdown`).
///
/// `get` blocks while the queue is empty, and `put` blocks while a bounded queue is full.
/// Both serve waiters in the order they came: a put hands its item straight to the
/// longest-waiting getter, and a get that frees room takes the item of the
/// longest-waiting putter. An item is handed only to a greenlet that still waits, so a
/// getter that timed out or was killed never swallows one.
///
/// ``GreenLifoQueue`` and ``GreenPriorityQueue`` change the order of stored items;
/// ``GreenChannel`` has no room at all. Create a queue and use it on one thread: its
/// hub's. Calls from another thread throw `HubError.wrongThread`.
///
/// ```swift
/// let jobs = GreenQueue<Int>(maxSize: 100, name: "jobs")
/// let worker = Green.spawn {
///     for job in jobs { print(job) }   // until the queue is shut down and drained
/// }
/// for job in 1...10 { try jobs.put(job) }
/// try jobs.shutDown()
/// try worker.join()
/// ```
public class GreenQueue<Element>: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    /// The most items it holds before `put` blocks; `nil` for no limit — `maxsize`.
    public let maxSize: Int?
    let hub: Hub
    private let kind: String
    /// Where a woken getter finds the item a putter handed it.
    private final class Handoff {
        var item: Element?
    }

    private var buffer = Deque<Element>()
    private var getters = WaitList<Handoff>()
    private var putters = WaitList<Element>()
    private var peekers = WaitList<Void>()
    private var joiners = WaitList<Void>()

    /// Items put and not yet marked done with `taskDone()` — `unfinished_tasks`.
    public private(set) var unfinishedTasks = 0
    /// Whether `shutDown(immediate:)` was called — `is_shutdown`.
    public private(set) var isShutDown = false

    /// Creates a queue on the calling thread's hub — `Queue(maxsize)`.
    ///
    /// - Parameters:
    ///   - maxSize: The most items it holds before `put` blocks; at least 1, or `nil`
    ///     for no limit. (For a queue with no room, where `put` waits for a getter, use
    ///     ``GreenChannel``.)
    ///   - name: A name for deadlock reports and `description`.
    public convenience init(maxSize: Int? = nil, name: String? = nil) {
        precondition(maxSize.map { $0 > 0 } ?? true, "a GreenQueue's maxSize is at least 1, or nil for no limit; use GreenChannel for a queue with no room")
        self.init(capacity: maxSize, name: name, kind: "GreenQueue")
    }

    init(capacity: Int?, name: String?, kind: String) {
        hub = Hub.current
        maxSize = capacity
        self.name = name
        self.kind = kind
    }

    // MARK: Storage (the LIFO and priority queues override these)

    /// How many items are stored.
    var storedCount: Int { buffer.count }

    /// Stores an item (there is room).
    func store(_ item: Element) {
        buffer.append(item)
    }

    /// Removes the next item to hand out (there is one).
    func takeStored() -> Element {
        buffer.removeFirst()
    }

    /// The next item to hand out, if any.
    func peekStored() -> Element? {
        buffer.first
    }

    /// Drops every stored item; returns how many there were.
    func removeAllStored() -> Int {
        let count = buffer.count
        buffer.removeAll()
        return count
    }

    // MARK: State

    /// How many items it holds — `qsize()`. Items handed straight to a waiting getter
    /// are not counted. Read it on the hub's thread.
    public var count: Int { storedCount }

    /// Whether it holds no item — `empty()`. Read it on the hub's thread.
    public var isEmpty: Bool { storedCount == 0 }

    /// Whether a `put` would block now (or fail, without blocking) — `full()`. Read it
    /// on the hub's thread.
    public var isFull: Bool { maxSize.map { storedCount >= $0 } ?? false }

    // MARK: Putting

    /// Adds `item`, blocking the running greenlet while the queue is full —
    /// `put(item, block, timeout)`.
    ///
    /// Call on the hub's thread; a blocking put from any greenlet but the hub's.
    /// - Parameters:
    ///   - item: The item; a waiting getter receives it directly.
    ///   - blocking: Whether to wait for room; `false` fails at once when full.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Throws: `GreenQueueError.full` when there is no room in time (the item is not
    ///   added); `GreenQueueError.shutDown` if the queue is shut down, before or during
    ///   the wait; an error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if nothing can ever make room; `HubError.wrongThread`.
    public func put(_ item: Element, blocking: Bool = true, timeout: Double? = nil) throws {
        try hub.checkThread()
        guard !isShutDown else { throw shutDownError(doing: "put") }
        if offer(item) { return }
        guard blocking else {
            throw GreenQueueError(.full, "\(label) is full (\(summary)); nothing was put")
        }
        // A getter takes the item from the woken putter's entry, so a normal return means
        // it was delivered; a shut down wakes it with an error instead.
        let delivered = try hub.waitUnlessTimedOut(for: "\(self.label) (put; \(self.summary))", timeout: timeout) { waiter in
            putters.append(waiter, item)
        }
        guard delivered else {
            throw GreenQueueError(.full, "\(label) stayed full for \(timeout ?? 0) s (\(summary)); nothing was put")
        }
    }

    /// Adds `item` if there is room now — `put_nowait(item)`.
    ///
    /// - Throws: `GreenQueueError.full`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    public func putNowait(_ item: Element) throws {
        try put(item, blocking: false)
    }

    /// Hands `item` to a waiting getter, or stores it if there is room.
    private func offer(_ item: Element) -> Bool {
        if let getter = getters.popWaiting() {
            getter.payload.item = item
            getter.waiter.wake()
        } else if isFull {
            return false
        } else {
            store(item)
            peekers.wakeAll()
        }
        unfinishedTasks += 1
        return true
    }

    // MARK: Getting

    /// Removes and returns the next item, blocking the running greenlet while the queue
    /// is empty — `get(block, timeout)`.
    ///
    /// After `shutDown()`, it still returns the items left, then fails.
    /// Call on the hub's thread; a blocking get from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait for an item; `false` fails at once when empty.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Throws: `GreenQueueError.empty` when no item comes in time;
    ///   `GreenQueueError.shutDown` once the queue is shut down and empty, before or
    ///   during the wait; an error raised in the waiting greenlet (a kill, a scoped
    ///   timeout); `HubError.deadlock` if nothing can ever put; `HubError.wrongThread`.
    public func get(blocking: Bool = true, timeout: Double? = nil) throws -> Element {
        try hub.checkThread()
        if let item = takeAvailable() { return item }
        guard !isShutDown else { throw shutDownError(doing: "get") }
        guard blocking else {
            throw GreenQueueError(.empty, "\(label) is empty (\(summary)); nothing to get")
        }
        let handoff = Handoff()
        let woken = try hub.waitUnlessTimedOut(for: "\(self.label) (get; \(self.summary))", timeout: timeout) { waiter in
            getters.append(waiter, handoff)
        }
        // A put hands its item over before waking a getter; a shut down wakes it with an error.
        guard woken, let item = handoff.item else {
            throw GreenQueueError(.empty, "\(label) stayed empty for \(timeout ?? 0) s (\(summary)); nothing to get")
        }
        return item
    }

    /// Removes and returns the next item if there is one now — `get_nowait()`.
    ///
    /// - Throws: `GreenQueueError.empty`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    public func getNowait() throws -> Element {
        try get(blocking: false)
    }

    /// Takes a stored item (letting the longest-waiting putter in), or the item of a
    /// waiting putter when nothing is stored (a channel).
    private func takeAvailable() -> Element? {
        if storedCount > 0 {
            let item = takeStored()
            if let putter = putters.popWaiting() {
                putter.waiter.wake()
                store(putter.payload)
                unfinishedTasks += 1
            }
            return item
        }
        guard let putter = putters.popWaiting() else { return nil }
        putter.waiter.wake()
        unfinishedTasks += 1
        return putter.payload
    }

    // MARK: Peeking

    /// Returns the next item without removing it, blocking the running greenlet until
    /// the queue holds one — `peek(block, timeout)`.
    ///
    /// An item handed straight to a waiting getter never sits in the queue, so a peek
    /// keeps waiting while getters take every item.
    /// Call on the hub's thread; a blocking peek from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait for an item; `false` fails at once when empty.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Throws: What `get(blocking:timeout:)` throws.
    public func peek(blocking: Bool = true, timeout: Double? = nil) throws -> Element {
        try hub.checkThread()
        let deadline = WaitDeadline(timeout: timeout)
        while true {
            if let item = peekStored() { return item }
            guard !isShutDown else { throw shutDownError(doing: "peek") }
            guard blocking else {
                throw GreenQueueError(.empty, "\(label) is empty (\(summary)); nothing to peek at")
            }
            let woken = try hub.waitUnlessTimedOut(for: "\(self.label) (peek; \(self.summary))", timeout: deadline.remaining) { waiter in
                peekers.append(waiter, ())
            }
            guard woken else {
                throw GreenQueueError(.empty, "\(label) stayed empty for \(timeout ?? 0) s (\(summary)); nothing to peek at")
            }
        }
    }

    /// Returns the next item without removing it, if there is one now — `peek_nowait()`.
    ///
    /// - Throws: `GreenQueueError.empty`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    public func peekNowait() throws -> Element {
        try peek(blocking: false)
    }

    // MARK: Tasks

    /// Marks one item taken from the queue as fully processed — `task_done()`.
    ///
    /// When every item put has been marked, `join` returns. Call on the hub's thread.
    /// - Throws: `GreenQueueError.taskDoneTooManyTimes` if called more times than items
    ///   were put; `HubError.wrongThread`.
    public func taskDone() throws {
        try hub.checkThread()
        guard unfinishedTasks > 0 else {
            throw GreenQueueError(
                .taskDoneTooManyTimes,
                "taskDone() was called on \(label) more times than items were put; call it once per item taken")
        }
        unfinishedTasks -= 1
        if unfinishedTasks == 0 {
            joiners.wakeAll()
        }
    }

    /// Blocks the running greenlet until every item put has been marked with
    /// `taskDone()` — `join(timeout)`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether no task is left unfinished (`false` when `timeout` ran out
    ///   first).
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if the tasks can never be finished; `HubError.wrongThread`.
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if unfinishedTasks == 0 { return true }
        return try hub.waitUnlessTimedOut(for: "\(self.label) (join; \(self.summary))", timeout: timeout) { waiter in
            joiners.append(waiter, ())
        }
    }

    // MARK: Shutting down

    /// Shuts the queue down — `shutdown(immediate)`, as in Python 3.13.
    ///
    /// Later puts fail with `GreenQueueError.shutDown`, and so do the puts waiting now.
    /// Gets return the items left, then fail; the gets waiting now (the queue is empty
    /// for them) fail at once. With `immediate`, the items left are dropped first and
    /// count as done for `join`, which returns once no task is left unfinished.
    /// Call on the hub's thread.
    /// - Throws: `HubError.wrongThread`.
    public func shutDown(immediate: Bool = false) throws {
        try hub.checkThread()
        isShutDown = true
        if immediate {
            let dropped = removeAllStored()
            unfinishedTasks = Swift.max(0, unfinishedTasks - dropped)
            if unfinishedTasks == 0 {
                joiners.wakeAll()
            }
        }
        getters.wakeAll(throwing: shutDownError(doing: "get"))
        putters.wakeAll(throwing: shutDownError(doing: "put"))
        // Peekers wait only while nothing is stored.
        peekers.wakeAll(throwing: shutDownError(doing: "peek"))
    }

    private func shutDownError(doing action: String) -> GreenQueueError {
        GreenQueueError(.shutDown, "cannot \(action): \(label) is shut down\(action == "put" ? "" : " and empty")")
    }

    // MARK: Descriptions

    private var label: String { primitiveLabel(kind, name) }

    /// The state, for descriptions and deadlock reports.
    private var summary: String {
        var parts: [String] = []
        switch maxSize {
        case 0?:
            break
        case let size?:
            parts.append(storedCount == 0 ? "empty" : "\(storedCount) of \(size) items\(storedCount >= size ? ", full" : "")")
        case nil:
            parts.append(storedCount == 0 ? "empty" : counted(storedCount, "item"))
        }
        for (count, noun) in [
            (getters.waitingCount, "getter"), (putters.waitingCount, "putter"), (peekers.waitingCount, "peeker"),
        ] where count > 0 {
            parts.append("\(counted(count, noun)) waiting")
        }
        if unfinishedTasks > 0, maxSize != 0 {
            parts.append(counted(unfinishedTasks, "unfinished task"))
        }
        if isShutDown {
            parts.append("shut down")
        }
        return parts.isEmpty ? "idle" : parts.joined(separator: ", ")
    }

    /// The queue's name and state: items, waiters, unfinished tasks.
    public var description: String { "\(label) (\(summary))" }
}

// MARK: - Iteration

extension GreenQueue: Sequence {
    /// Gets items until the queue is shut down and drained — `for item in queue`.
    ///
    /// Each step blocks like `get()`. If the wait is interrupted (a kill, a scoped
    /// timeout, a deadlock report), iteration ends and the error is raised at the
    /// greenlet's next blocking call; call `get()` in a loop to handle it in place.
    public struct Iterator: IteratorProtocol {
        let queue: GreenQueue<Element>

        public mutating func next() -> Element? {
            do {
                return try queue.get()
            } catch let error as GreenQueueError where error.code == .shutDown {
                return nil
            } catch {
                Hub.current.raiseAtNextWait(error)
                return nil
            }
        }
    }

    /// An iterator that gets items until the queue is shut down and drained.
    public func makeIterator() -> Iterator {
        Iterator(queue: self)
    }
}
