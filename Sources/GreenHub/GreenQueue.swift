import DequeModule
import WeaveDurations

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
public class GreenQueue<Element>: CustomStringConvertible, WaitDescribing {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    /// The most items it holds before `put` blocks; `nil` for no limit — `maxsize`.
    public let maxSize: Int?
    @usableFromInline let hub: Hub
    @usableFromInline let order: StorageOrder
    private let kind: String

    // The hot state is `@exclusivity(unchecked)`: it is touched on the hub's thread
    // only, by calls that never switch greenlets while they hold it, so the runtime's
    // dynamic exclusivity checks would cost time on every put and get for nothing.

    /// The order a queue hands out its stored items in. The first two live in `buffer`
    /// so that callers specialise the whole put/get path; `.sorted` asks the subclass.
    @usableFromInline enum StorageOrder {
        case fifo, lifo, sorted
    }

    @usableFromInline @exclusivity(unchecked) final var buffer = Deque<Element>()
    /// Each waiting getter with where its item goes: a local of the waiting `get`, whose
    /// stack stays put while it waits. Only an entry that still waits is written to.
    @usableFromInline @exclusivity(unchecked) final var getters = WaitList<UnsafeMutablePointer<Element?>>()
    @usableFromInline @exclusivity(unchecked) final var putters = WaitList<Element>()
    private var peekers = WaitList<Void>()
    private var joiners = WaitList<Void>()
    @usableFromInline @exclusivity(unchecked) final var taskCount = 0

    /// Items put and not yet marked done with `taskDone()` — `unfinished_tasks`.
    public final var unfinishedTasks: Int { taskCount }
    /// Whether `shutDown(immediate:)` was called — `is_shutdown`.
    @exclusivity(unchecked) public private(set) final var isShutDown = false

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

    init(capacity: Int?, name: String?, kind: String, order: StorageOrder = .fifo) {
        hub = Hub.current
        maxSize = capacity
        self.name = name
        self.kind = kind
        self.order = order
    }

    // MARK: Storage

    /// How many items are stored.
    @inlinable final var storedCount: Int {
        order == .sorted ? sortedCount : buffer.count
    }

    /// Stores an item (there is room).
    @inlinable final func store(_ item: Element) {
        if order == .sorted {
            storeSorted(item)
        } else {
            buffer.append(item)
        }
    }

    /// Removes the next item to hand out (there is one).
    @inlinable final func takeStored() -> Element {
        switch order {
        case .fifo: buffer.removeFirst()
        case .lifo: buffer.removeLast()
        case .sorted: takeSorted()
        }
    }

    /// The next item to hand out, if any.
    @inlinable final func peekStored() -> Element? {
        switch order {
        case .fifo: buffer.first
        case .lifo: buffer.last
        case .sorted: peekSorted()
        }
    }

    /// Drops every stored item; returns how many there were.
    func removeAllStored() -> Int {
        let count = storedCount
        if order == .sorted {
            removeAllSorted()
        } else {
            buffer.removeAll()
        }
        return count
    }

    // The `.sorted` order's storage, which `GreenPriorityQueue` provides.
    @usableFromInline var sortedCount: Int { 0 }
    @usableFromInline func storeSorted(_ item: Element) {}
    @usableFromInline func takeSorted() -> Element { preconditionFailure("only a sorted queue stores items in order") }
    @usableFromInline func peekSorted() -> Element? { nil }
    func removeAllSorted() {}

    // MARK: State

    /// How many items it holds — `qsize()`. Items handed straight to a waiting getter
    /// are not counted. Read it on the hub's thread.
    public final var count: Int { storedCount }

    /// Whether it holds no item — `empty()`. Read it on the hub's thread.
    public final var isEmpty: Bool { storedCount == 0 }

    /// Whether a `put` would block now (or fail, without blocking) — `full()`. Read it
    /// on the hub's thread.
    @inlinable public final var isFull: Bool { maxSize.map { storedCount >= $0 } ?? false }

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
    @DurationOverload
    @inlinable
    public final func put(_ item: Element, blocking: Bool = true, timeout: Double? = nil) throws {
        try hub.checkThread()
        guard !isShutDown else { throw shutDownError(doing: .put) }
        if offer(item) { return }
        guard blocking else { throw nothingDoneError(.put, timeout: nil) }
        // A getter takes the item from the woken putter's entry, so a normal return means
        // it was delivered; a shut down wakes it with an error instead.
        let delivered = try hub.waitUnlessTimedOut(on: self, detail: Action.put.rawValue, timeout: timeout) { waiter in
            putters.append(waiter, item)
        }
        guard delivered else { throw nothingDoneError(.put, timeout: timeout) }
    }

    /// Adds `item` if there is room now — `put_nowait(item)`.
    ///
    /// - Throws: `GreenQueueError.full`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    @inlinable
    public final func putNowait(_ item: Element) throws {
        try put(item, blocking: false)
    }

    /// Hands `item` to a waiting getter, or stores it if there is room.
    @inlinable final func offer(_ item: Element) -> Bool {
        if let getter = getters.popWaiting() {
            getter.payload.pointee = item
            getter.waiter.wake()
        } else if isFull {
            return false
        } else {
            store(item)
            wakePeekers()
        }
        taskCount += 1
        return true
    }

    /// Lets the greenlets waiting in `peek` look again.
    @usableFromInline final func wakePeekers() {
        peekers.wakeAll()
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
    @DurationOverload
    @inlinable
    public final func get(blocking: Bool = true, timeout: Double? = nil) throws -> Element {
        try hub.checkThread()
        if let item = takeAvailable() { return item }
        guard !isShutDown else { throw shutDownError(doing: .get) }
        guard blocking else { throw nothingDoneError(.get, timeout: nil) }
        var received: Element?
        let woken = try withUnsafeMutablePointer(to: &received) { slot in
            try hub.waitUnlessTimedOut(on: self, detail: Action.get.rawValue, timeout: timeout) { waiter in
                getters.append(waiter, slot)
            }
        }
        // A put hands its item over before waking a getter; a shut down wakes it with an error.
        guard woken, let item = received.take() else { throw nothingDoneError(.get, timeout: timeout) }
        return item
    }

    /// Removes and returns the next item if there is one now — `get_nowait()`.
    ///
    /// - Throws: `GreenQueueError.empty`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    @inlinable
    public final func getNowait() throws -> Element {
        try get(blocking: false)
    }

    /// Takes a stored item (letting the longest-waiting putter in), or the item of a
    /// waiting putter when nothing is stored (a channel).
    @inlinable final func takeAvailable() -> Element? {
        if storedCount > 0 {
            let item = takeStored()
            if let putter = putters.popWaiting() {
                putter.waiter.wake()
                store(putter.payload)
                taskCount += 1
            }
            return item
        }
        guard let putter = putters.popWaiting() else { return nil }
        putter.waiter.wake()
        taskCount += 1
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
    @DurationOverload
    public final func peek(blocking: Bool = true, timeout: Double? = nil) throws -> Element {
        try hub.checkThread()
        let deadline = WaitDeadline(timeout: timeout)
        while true {
            if let item = peekStored() { return item }
            guard !isShutDown else { throw shutDownError(doing: .peek) }
            guard blocking else { throw nothingDoneError(.peek, timeout: nil) }
            let woken = try hub.waitUnlessTimedOut(on: self, detail: Action.peek.rawValue, timeout: deadline.remaining) { waiter in
                peekers.append(waiter, ())
            }
            guard woken else { throw nothingDoneError(.peek, timeout: timeout) }
        }
    }

    /// Returns the next item without removing it, if there is one now — `peek_nowait()`.
    ///
    /// - Throws: `GreenQueueError.empty`, `GreenQueueError.shutDown`, `HubError.wrongThread`.
    public final func peekNowait() throws -> Element {
        try peek(blocking: false)
    }

    // MARK: Tasks

    /// Marks one item taken from the queue as fully processed — `task_done()`.
    ///
    /// When every item put has been marked, `join` returns. Call on the hub's thread.
    /// - Throws: `GreenQueueError.taskDoneTooManyTimes` if called more times than items
    ///   were put; `HubError.wrongThread`.
    public final func taskDone() throws {
        try hub.checkThread()
        guard taskCount > 0 else {
            throw GreenQueueError(
                .taskDoneTooManyTimes,
                "taskDone() was called on \(label) more times than items were put; call it once per item taken")
        }
        taskCount -= 1
        if taskCount == 0 {
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
    @DurationOverload
    @discardableResult
    public final func join(timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if taskCount == 0 { return true }
        return try hub.waitUnlessTimedOut(on: self, detail: Action.join.rawValue, timeout: timeout) { waiter in
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
    public final func shutDown(immediate: Bool = false) throws {
        try hub.checkThread()
        isShutDown = true
        if immediate {
            let dropped = removeAllStored()
            taskCount = Swift.max(0, taskCount - dropped)
            if taskCount == 0 {
                joiners.wakeAll()
            }
        }
        getters.wakeAll(throwing: shutDownError(doing: .get))
        putters.wakeAll(throwing: shutDownError(doing: .put))
        // Peekers wait only while nothing is stored.
        peekers.wakeAll(throwing: shutDownError(doing: .peek))
    }

    // MARK: Errors (out of line: the inlined paths stay small)

    /// What a blocking call was doing, for its errors and its deadlock-report line.
    @usableFromInline enum Action: UInt8 {
        case put, get, peek, join

        var name: String {
            switch self {
            case .put: "put"
            case .get: "get"
            case .peek: "peek"
            case .join: "join"
            }
        }
    }

    @usableFromInline final func shutDownError(doing action: Action) -> GreenQueueError {
        GreenQueueError(.shutDown, "cannot \(action.name): \(label) is shut down\(action == .put ? "" : " and empty")")
    }

    /// The error of a put that found no room, or a get or peek that found no item, at
    /// once (`timeout` is `nil`) or within `timeout` seconds.
    @usableFromInline final func nothingDoneError(_ action: Action, timeout: Double?) -> GreenQueueError {
        switch (action, timeout) {
        case (.put, nil):
            GreenQueueError(.full, "\(label) is full (\(summary)); nothing was put")
        case (.put, let seconds?):
            GreenQueueError(.full, "\(label) stayed full for \(seconds) s (\(summary)); nothing was put")
        case (_, nil):
            GreenQueueError(.empty, "\(label) is empty (\(summary)); nothing to \(action == .peek ? "peek at" : action.name)")
        case (_, let seconds?):
            GreenQueueError(
                .empty,
                "\(label) stayed empty for \(seconds) s (\(summary)); nothing to \(action == .peek ? "peek at" : action.name)")
        }
    }

    /// "GreenQueue 'jobs' (get; empty, 2 getters waiting)", for the deadlock report.
    @usableFromInline package final func describeWait(_ detail: UInt8) -> String {
        "\(label) (\(Action(rawValue: detail)?.name ?? "wait"); \(summary))"
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
        if taskCount > 0, maxSize != 0 {
            parts.append(counted(taskCount, "unfinished task"))
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
        @usableFromInline let queue: GreenQueue<Element>

        @usableFromInline init(queue: GreenQueue<Element>) {
            self.queue = queue
        }

        @inlinable
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
    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(queue: self)
    }
}
