import WeaveDurations

/// A reentrant lock for greenlets: the greenlet that holds it may acquire it again, and
/// must release it as many times — `gevent.lock.RLock` (and `threading.RLock`).
///
/// Only the holder may release it. Waiters get it in the order they came: the last
/// release hands it straight to the longest-waiting greenlet.
///
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
public final class GreenRLock: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private var owner: AnyGreenThread?
    private var depth = 0
    private var waiters = WaitList<Void>()

    /// Creates an unlocked reentrant lock on the calling thread's hub.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        hub = Hub.current
        self.name = name
    }

    /// Whether some greenlet holds it. Read it on the hub's thread.
    public var isLocked: Bool { owner != nil }

    /// Whether the running greenlet holds it — `_is_owned()`. Read it on the hub's thread.
    public var isHeldByCurrentGreenlet: Bool {
        owner === hub.runningRecord
    }

    /// Acquires the lock, or acquires it once more if the running greenlet holds it
    /// already; blocks while another greenlet holds it — `acquire(blocking, timeout)`.
    ///
    /// Call on the hub's thread; a blocking acquire from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait when another greenlet holds it; `false` returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the running greenlet now holds it.
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if no one can ever release it; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        let me = hub.runningRecord
        if owner === me {
            depth += 1
            return true
        }
        if owner == nil {
            owner = me
            depth = 1
            return true
        }
        guard blocking else { return false }
        // The last release hands the lock to the woken waiter with a depth of 1.
        return try hub.waitUnlessTimedOut(for: "\(self.description) — acquire", timeout: timeout) { waiter in
            waiters.append(waiter, ())
        }
    }

    /// Releases one level of the running greenlet's hold; the last release hands the
    /// lock to the longest-waiting greenlet — `release()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.notOwner` if another greenlet holds it,
    ///   `GreenSyncError.notLocked` if no one does; `HubError.wrongThread`.
    public func release() throws {
        try checkHeld(doing: "released")
        depth -= 1
        if depth == 0 {
            handOver()
        }
    }

    /// Runs `body` holding the lock, and releases it afterwards even if `body` throws —
    /// `with rlock:`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Throws: What `body` throws; what `acquire()` and `release()` throw.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try runHolding(acquire: { try acquire() }, release: release, body)
    }

    // MARK: For GreenCondition

    /// Throws unless the running greenlet holds the lock; `action` says what it tried.
    func checkHeld(doing action: String) throws {
        try hub.checkThread()
        guard let owner else {
            throw GreenSyncError(.notLocked, "\(primitiveLabel("GreenRLock", name)) was \(action) while not locked; acquire it first")
        }
        guard owner === hub.runningRecord else {
            throw GreenSyncError(
                .notOwner,
                "\(primitiveLabel("GreenRLock", name)) was \(action) by greenlet '\(hub.runningRecord.name)' but is held by greenlet '\(owner.name)'; only its holder may release it")
        }
    }

    /// Releases every level of the running greenlet's hold (which the caller checked)
    /// and returns how many there were.
    func releaseAll() -> Int {
        let saved = depth
        depth = 0
        handOver()
        return saved
    }

    /// Acquires the lock and restores a hold of `savedDepth` levels.
    func acquire(restoring savedDepth: Int) throws {
        try acquire()
        depth = savedDepth
    }

    private func handOver() {
        if let next = waiters.popWaiting() {
            owner = next.waiter.record
            depth = 1
            next.waiter.wake()
        } else {
            owner = nil
        }
    }

    /// The lock's name, holder and number of waiters.
    public var description: String {
        let state = owner.map { "held by greenlet '\($0.name)', depth \(depth)" } ?? "unlocked"
        return "\(primitiveLabel("GreenRLock", name)) (\(state), \(waiters.waitingCount) waiting)"
    }
}
