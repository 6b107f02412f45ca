import WeaveDurations

/// A flag that greenlets wait on until it is set — `gevent.event.Event` (and
/// `threading.Event`).
///
/// Setting it wakes every waiter; later waits return at once until it is cleared.
/// Create it and use it on one thread: its hub's. Calls from another thread throw
/// `HubError.wrongThread`.
///
/// ```swift
/// let ready = GreenEvent(name: "ready")
/// let worker = Green.spawn { try ready.wait(); print("go") }
/// try ready.set()
/// try worker.join()
/// ```
public final class GreenEvent: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private var flag = false
    private var waiters = WaitList<Void>()

    /// Creates a cleared event on the calling thread's hub.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        hub = Hub.current
        self.name = name
    }

    /// Whether the flag is set — `is_set()`. Read it on the hub's thread.
    public var isSet: Bool { flag }

    /// Sets the flag and wakes every waiting greenlet — `set()`.
    ///
    /// The waiters run when the caller next blocks. Call on the hub's thread.
    /// - Throws: `HubError.wrongThread`.
    public func set() throws {
        try hub.checkThread()
        guard !flag else { return }
        flag = true
        waiters.wakeAll()
    }

    /// Clears the flag, so that later waits block again — `clear()`. Greenlets already
    /// woken by `set()` still return `true`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `HubError.wrongThread`.
    public func clear() throws {
        try hub.checkThread()
        flag = false
    }

    /// Blocks the running greenlet until the flag is set — `wait(timeout)`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: `true` if the flag was set (now, or by a `set()` during the wait, even
    ///   if cleared since); `false` if `timeout` ran out first.
    /// - Throws: `HubError.wrongThread`; an error raised in the waiting greenlet (a kill,
    ///   a scoped ``Green/withTimeout(_:_:)-(Double,_)``); `HubError.deadlock` if nothing can ever set it.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if flag { return true }
        return try hub.waitUnlessTimedOut(for: "\(self.description) — wait", timeout: timeout) { waiter in
            waiters.append(waiter, ())
        }
    }

    /// The event's name, state and number of waiters.
    public var description: String {
        "\(primitiveLabel("GreenEvent", name)) (\(flag ? "set" : "not set"), \(waiters.waitingCount) waiting)"
    }
}
