import WeaveDurations

/// A flag OS threads wait on until another sets it — Python's `threading.Event`.
///
/// Any thread may use it. A blocking call blocks the whole OS thread: called from a
/// greenlet it stalls that thread's hub too, so green code uses `GreenEvent` instead.
///
/// ```swift
/// let ready = ThreadEvent()
/// // in one thread:  ready.set()
/// // in another:     ready.wait(timeout: 5)
/// ```
public final class ThreadEvent: Sendable {
    private let handle = ConditionHandle(false)

    /// Creates an event that is not set.
    public init() {}

    /// Whether the flag is set — `Event.is_set()`.
    public var isSet: Bool { handle.withLock { $0 } }

    /// Sets the flag and wakes every waiter — `Event.set()`.
    public func set() {
        handle.withLock { $0 = true }
        handle.broadcast()
    }

    /// Clears the flag; later waits block until the next `set()` — `Event.clear()`.
    public func clear() {
        handle.withLock { $0 = false }
    }

    /// Waits until the flag is set — `Event.wait(timeout)`.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the flag is set; false when the timeout expired first.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) -> Bool {
        handle.wait(until: Deadline(timeout: timeout), for: { $0 }) { _, isSet in isSet }
    }
}
