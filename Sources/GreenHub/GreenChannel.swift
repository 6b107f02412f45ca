import WeaveDurations

/// A rendezvous between greenlets, with no room for items: `put` blocks until a getter
/// takes the item, and `get` until a putter brings one — `gevent.queue.Channel` (Go's
/// unbuffered channel).
///
/// Waiters are served in the order they came, and an item goes only to a greenlet that
/// still waits. `shutDown()` closes it: waiting and later calls fail with
/// `GreenQueueError.shutDown`, and iteration ends.
///
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let handoff = GreenChannel<String>(name: "handoff")
/// Green.spawn { try handoff.put("ping") }   // waits for the get below
/// print(try handoff.get())                  // "ping"
/// ```
public final class GreenChannel<Element>: CustomStringConvertible, Sequence {
    private let queue: GreenQueue<Element>

    /// Creates a channel on the calling thread's hub — `Channel()`.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        queue = GreenQueue(capacity: 0, name: name, kind: "GreenChannel")
    }

    /// The name given at creation, shown in deadlock reports.
    public var name: String? { queue.name }

    /// Whether `shutDown()` was called.
    public var isShutDown: Bool { queue.isShutDown }

    /// Hands `item` to a getter, blocking the running greenlet until one takes it —
    /// `put(item, block, timeout)`.
    ///
    /// Call on the hub's thread; a blocking put from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait for a getter; `false` fails at once unless one waits.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Throws: `GreenQueueError.full` when no getter takes it in time (the item is not
    ///   delivered); `GreenQueueError.shutDown`; an error raised in the waiting greenlet
    ///   (a kill, a scoped timeout); `HubError.deadlock`; `HubError.wrongThread`.
    @DurationOverload
    public func put(_ item: Element, blocking: Bool = true, timeout: Double? = nil) throws {
        try queue.put(item, blocking: blocking, timeout: timeout)
    }

    /// Hands `item` to a getter that waits now — `put_nowait(item)`.
    ///
    /// - Throws: `GreenQueueError.full` if no getter waits; `GreenQueueError.shutDown`;
    ///   `HubError.wrongThread`.
    public func putNowait(_ item: Element) throws {
        try queue.put(item, blocking: false)
    }

    /// Takes an item from a putter, blocking the running greenlet until one brings it —
    /// `get(block, timeout)`.
    ///
    /// Call on the hub's thread; a blocking get from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait for a putter; `false` fails at once unless one waits.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Throws: `GreenQueueError.empty` when no putter comes in time;
    ///   `GreenQueueError.shutDown`; an error raised in the waiting greenlet (a kill, a
    ///   scoped timeout); `HubError.deadlock`; `HubError.wrongThread`.
    @DurationOverload
    public func get(blocking: Bool = true, timeout: Double? = nil) throws -> Element {
        try queue.get(blocking: blocking, timeout: timeout)
    }

    /// Takes an item from a putter that waits now — `get_nowait()`.
    ///
    /// - Throws: `GreenQueueError.empty` if no putter waits; `GreenQueueError.shutDown`;
    ///   `HubError.wrongThread`.
    public func getNowait() throws -> Element {
        try queue.get(blocking: false)
    }

    /// Closes the channel: the greenlets waiting in `put` and `get` fail with
    /// `GreenQueueError.shutDown`, and so do later calls. Call on the hub's thread.
    ///
    /// - Throws: `HubError.wrongThread`.
    public func shutDown() throws {
        try queue.shutDown()
    }

    /// Gets items until the channel is shut down — `for item in channel`; see
    /// `GreenQueue.Iterator`.
    public func makeIterator() -> GreenQueue<Element>.Iterator {
        queue.makeIterator()
    }

    /// The channel's name and waiters.
    public var description: String { queue.description }
}
