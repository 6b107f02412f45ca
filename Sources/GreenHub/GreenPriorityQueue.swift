import HeapModule

/// A queue between greenlets whose `get` returns the smallest item first —
/// `gevent.queue.PriorityQueue` (and `queue.PriorityQueue`).
///
/// Put `(priority, value)`-like `Comparable` items; equal items come out in no set
/// order. Everything else is ``GreenQueue``'s: blocking, timeouts, fairness among
/// waiters, `taskDone`/`join`, `shutDown`. Create it and use it on one thread: its hub's.
public final class GreenPriorityQueue<Element: Comparable>: GreenQueue<Element> {
    private var heap = Heap<Element>()

    /// Creates a priority queue on the calling thread's hub — `PriorityQueue(maxsize)`.
    ///
    /// - Parameters:
    ///   - maxSize: The most items it holds before `put` blocks; at least 1, or `nil`
    ///     for no limit.
    ///   - name: A name for deadlock reports and `description`.
    public init(maxSize: Int? = nil, name: String? = nil) {
        precondition(maxSize.map { $0 > 0 } ?? true, "a GreenPriorityQueue's maxSize is at least 1, or nil for no limit")
        super.init(capacity: maxSize, name: name, kind: "GreenPriorityQueue", order: .sorted)
    }

    override var sortedCount: Int { heap.count }

    /// - Complexity: O(log *n*).
    override func storeSorted(_ item: Element) {
        heap.insert(item)
    }

    /// - Complexity: O(log *n*).
    override func takeSorted() -> Element {
        heap.removeMin()
    }

    override func peekSorted() -> Element? {
        heap.min
    }

    override func removeAllSorted() {
        heap = Heap()
    }
}
