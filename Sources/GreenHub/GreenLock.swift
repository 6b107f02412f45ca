import WeaveDurations

/// A mutual-exclusion lock for greenlets — `gevent.lock.Lock` (and `threading.Lock`).
///
/// Not reentrant: a greenlet that acquires it twice waits on itself (and gets a deadlock
/// report); use ``GreenRLock`` for that. Any greenlet may release it, as with
/// `threading.Lock`. Waiters get it in the order they came: a release hands the lock
/// straight to the longest-waiting greenlet.
///
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let lock = GreenLock(name: "accounts")
/// try lock.withLock { balance += 1 }
/// ```
public final class GreenLock: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    /// The greenlet that acquired it (or was handed it), for diagnostics.
    private var holder: String?
    private var waiters = WaitList<Void>()

    /// Creates an unlocked lock on the calling thread's hub.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        hub = Hub.current
        self.name = name
    }

    /// Whether some greenlet holds it — `locked()`. Read it on the hub's thread.
    public var isLocked: Bool { holder != nil }

    /// Acquires the lock, blocking the running greenlet while another holds it —
    /// `acquire(blocking, timeout)`.
    ///
    /// Call on the hub's thread; a blocking acquire from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait when it is locked; `false` returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the lock is now held by the caller.
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if no one can ever release it; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if holder == nil {
            holder = hub.runningRecord.name
            return true
        }
        guard blocking else { return false }
        // A release hands the lock to the woken waiter, so a normal return means it is ours.
        return try hub.waitUnlessTimedOut(for: "\(self.description) — acquire", timeout: timeout) { waiter in
            waiters.append(waiter, ())
        }
    }

    /// Releases the lock, handing it to the longest-waiting greenlet if there is one —
    /// `release()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.notLocked` if it is not locked; `HubError.wrongThread`.
    public func release() throws {
        try hub.checkThread()
        guard holder != nil else {
            throw GreenSyncError(.notLocked, "\(primitiveLabel("GreenLock", name)) was released while not locked; release it once per acquire")
        }
        unlock()
    }

    /// Releases the lock, which the caller checked is locked, handing it to the
    /// longest-waiting greenlet if there is one.
    func unlock() {
        if let next = waiters.popWaiting() {
            holder = next.waiter.waiterName
            next.waiter.wake()
        } else {
            holder = nil
        }
    }

    /// Runs `body` holding the lock, and releases it afterwards even if `body` throws —
    /// `with lock:`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Throws: What `body` throws; what `acquire()` and `release()` throw.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try runHolding(acquire: { try acquire() }, release: release, body)
    }

    /// The lock's name, holder and number of waiters.
    public var description: String {
        let state = holder.map { "held by greenlet '\($0)'" } ?? "unlocked"
        return "\(primitiveLabel("GreenLock", name)) (\(state), \(waiters.waitingCount) waiting)"
    }
}
