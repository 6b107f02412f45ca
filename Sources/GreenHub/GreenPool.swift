/// A group of green threads that runs at most `size` at once: `spawn` waits for a free
/// slot — `gevent.pool.Pool`.
///
/// Slots go to waiting spawners in the order they came. Everything else is
/// ``GreenGroup``'s: `join`, `killAll`, `map`, `imap`, `imapUnordered`. Create it and
/// use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let pool = GreenPool(size: 8, name: "crawl")
/// for length in try pool.imapUnordered(urls, { try fetch($0).count }) {
///     print(try length.get())
/// }
/// ```
public final class GreenPool: GreenGroup {
    /// The most green threads it runs at once.
    public let size: Int
    private var freeSlots: Int
    private var spawners = WaitList<Void>()

    /// Creates an empty pool on the calling thread's hub — `Pool(size)`.
    ///
    /// - Parameters:
    ///   - size: The most green threads it runs at once; at least 1.
    ///   - name: A name for deadlock reports and `description`.
    public init(size: Int, name: String? = nil) {
        precondition(size > 0, "a GreenPool runs at least 1 green thread at once, not \(size)")
        self.size = size
        freeSlots = size
        super.init(name: name)
    }

    /// How many more green threads may start now without waiting — `free_count()`.
    /// Read it on the hub's thread.
    public var freeCount: Int { freeSlots }

    /// Whether `spawn` would wait now — `full()`. Read it on the hub's thread.
    public var isFull: Bool { freeSlots == 0 }

    override func reserveSlot() throws {
        if freeSlots > 0 {
            freeSlots -= 1
            return
        }
        // A leaving member hands its slot to the woken spawner.
        try hub.wait(for: "\(self.description) — a free slot to spawn") { waiter in
            spawners.append(waiter, ())
        }
    }

    override func releaseSlot() {
        if !spawners.wakeFirst() {
            freeSlots += 1
        }
    }

    override var hasFreeSlot: Bool { freeSlots > 0 }

    override var label: String { primitiveLabel("GreenPool", name) }

    /// The pool's name, how many members run and how many spawners wait.
    public override var description: String {
        let waiting = spawners.waitingCount
        return "\(label) (\(size - freeSlots) of \(size) slots taken\(waiting > 0 ? ", \(counted(waiting, "spawner")) waiting" : ""))"
    }
}
