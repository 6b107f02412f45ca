/// A last-in first-out queue between greenlets: `get` returns the newest item —
/// `gevent.queue.LifoQueue` (and `queue.LifoQueue`).
///
/// Everything else is ``GreenQueue``'s: blocking, timeouts, fairness among waiters,
/// `taskDone`/`join`, `shutDown`. Create it and use it on one thread: its hub's.
public final class GreenLifoQueue<Element>: GreenQueue<Element> {
    /// Creates a LIFO queue on the calling thread's hub — `LifoQueue(maxsize)`.
    ///
    /// - Parameters:
    ///   - maxSize: The most items it holds before `put` blocks; at least 1, or `nil`
    ///     for no limit.
    ///   - name: A name for deadlock reports and `description`.
    public init(maxSize: Int? = nil, name: String? = nil) {
        precondition(maxSize.map { $0 > 0 } ?? true, "a GreenLifoQueue's maxSize is at least 1, or nil for no limit")
        super.init(capacity: maxSize, name: name, kind: "GreenLifoQueue", order: .lifo)
    }
}
