import WeaveDurations

/// A proxy for an event flag that lives in a manager process (Python's
/// `Manager().Event()`). A `wait` waits on the manager; from a greenlet it suspends only
/// that greenlet.
public struct ManagedEvent: Sendable {
    let core: ProxyCore

    /// Sets the flag and wakes every waiter (Python's `event.set()`).
    public func set() throws {
        _ = try core.perform(.eventSet)
    }

    /// Clears the flag (Python's `event.clear()`).
    public func clear() throws {
        _ = try core.perform(.eventClear)
    }

    /// Whether the flag is set (Python's `event.is_set()`).
    public func isSet() throws -> Bool {
        try WireValue.flag(ProxyCore.value(core.perform(.eventIsSet), 0))
    }

    /// Waits until the flag is set (Python's `event.wait(timeout)`).
    /// - Parameter timeout: Seconds to wait: nil waits for ever, 0 only checks.
    /// - Returns: Whether the flag was set.
    @DurationOverload
    public func wait(timeout: Double? = nil) throws -> Bool {
        try core.perform(.eventWait, timeout: timeout).status == .ok
    }

}
