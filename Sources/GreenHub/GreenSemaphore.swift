import WeaveDurations

/// A counter of permits that greenlets take and give back, blocking while none is left —
/// `gevent.lock.Semaphore` (and `threading.Semaphore`).
///
/// Waiters get permits in the order they came: a release hands its permit straight to
/// the longest-waiting greenlet. ``GreenBoundedSemaphore`` also refuses to be released
/// more often than it was acquired.
///
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let downloads = GreenSemaphore(3, name: "downloads")
/// try downloads.withPermit { try fetch(url) }
/// ```
public class GreenSemaphore: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private var permits: Int
    /// The most permits it may hold, for a bounded semaphore.
    private let bound: Int?
    private var waiters = WaitList<Void>()

    /// Creates a semaphore holding `value` permits on the calling thread's hub —
    /// `Semaphore(value)`.
    ///
    /// - Parameters:
    ///   - value: The permits available at first; at least 0.
    ///   - name: A name for deadlock reports and `description`.
    public convenience init(_ value: Int = 1, name: String? = nil) {
        self.init(value: value, bound: nil, name: name)
    }

    init(value: Int, bound: Int?, name: String?) {
        precondition(value >= 0, "a semaphore starts with 0 or more permits, not \(value)")
        hub = Hub.current
        permits = value
        self.bound = bound
        self.name = name
    }

    /// The permits that can be taken now without waiting. Read it on the hub's thread.
    public var availablePermits: Int { permits }

    /// Whether an acquire would block now — `locked()`. Read it on the hub's thread.
    public var isLocked: Bool { permits == 0 }

    /// Takes a permit, blocking the running greenlet while none is left —
    /// `acquire(blocking, timeout)`.
    ///
    /// Call on the hub's thread; a blocking acquire from any greenlet but the hub's.
    /// - Parameters:
    ///   - blocking: Whether to wait when no permit is left; `false` returns at once.
    ///   - timeout: With `blocking`, seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the caller got a permit.
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if no one can ever release one; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if permits > 0 {
            permits -= 1
            return true
        }
        guard blocking else { return false }
        // A release hands its permit to the woken waiter, so a normal return means we hold one.
        return try hub.waitUnlessTimedOut(for: "\(self.description) — acquire", timeout: timeout) { waiter in
            waiters.append(waiter, ())
        }
    }

    /// Gives a permit back, handing it to the longest-waiting greenlet if there is one —
    /// `release()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.overReleased` for a bounded semaphore that already holds
    ///   all its permits; `HubError.wrongThread`.
    public func release() throws {
        try hub.checkThread()
        if let bound, permits >= bound {
            throw GreenSyncError(
                .overReleased,
                "\(primitiveLabel("GreenBoundedSemaphore", name)) was released more times than it was acquired (it holds all \(bound) permits)")
        }
        if !waiters.wakeFirst() {
            permits += 1
        }
    }

    /// Runs `body` holding a permit, and gives it back afterwards even if `body` throws —
    /// `with semaphore:`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Throws: What `body` throws; what `acquire()` and `release()` throw.
    public func withPermit<Result>(_ body: () throws -> Result) throws -> Result {
        try runHolding(acquire: { try acquire() }, release: release, body)
    }

    /// The semaphore's name, free permits and number of waiters.
    public var description: String {
        let kind = bound == nil ? "GreenSemaphore" : "GreenBoundedSemaphore"
        let limit = bound.map { " of \($0)" } ?? ""
        return "\(primitiveLabel(kind, name)) (\(permits)\(limit) permits free, \(waiters.waitingCount) waiting)"
    }
}
