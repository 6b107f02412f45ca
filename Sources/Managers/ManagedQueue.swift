import WeaveDurations

/// A proxy for a FIFO queue that lives in a manager process (Python's
/// `Manager().Queue(maxsize)`), usable from any process that reaches the manager, also on
/// other machines.
///
/// A blocked `get` or `put` waits on the manager, not in a loop: it is answered as soon as
/// another process puts or gets, or when its timeout passes. Any thread may use it; from a
/// greenlet, a wait suspends only that greenlet.
public struct ManagedQueue<Element: Codable>: Sendable {
    let core: ProxyCore

    /// Puts `element` at the back, waiting while the queue is full (Python's `q.put(x)`).
    /// - Parameters:
    ///   - element: The value to put.
    ///   - timeout: Seconds to wait for room: nil waits for ever, 0 does not wait (Python's
    ///     `put_nowait`).
    /// - Throws: ``ManagerError`` `.queueFull` when no room came in time.
    @DurationOverload
    public func put(_ element: Element, timeout: Double? = nil) throws {
        let reply = try core.perform(.queuePut, timeout: timeout, [ProxyCore.encode(element)])
        if reply.status == .timedOut { throw ManagerError(.queueFull, context: "no room within \(timeout ?? 0) s") }
    }

    /// Takes the element at the front, waiting while the queue is empty (Python's `q.get()`).
    /// - Parameter timeout: Seconds to wait: nil waits for ever, 0 does not wait (Python's
    ///   `get_nowait`).
    /// - Throws: ``ManagerError`` `.queueEmpty` when nothing came in time.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Element {
        let reply = try core.perform(.queueGet, timeout: timeout)
        if reply.status == .timedOut { throw ManagerError(.queueEmpty, context: "nothing within \(timeout ?? 0) s") }
        return try ProxyCore.decode(Element.self, ProxyCore.value(reply, 0))
    }

    /// The number of elements queued now (Python's `q.qsize()`).
    public func count() throws -> Int {
        try core.count(.queueCount)
    }
}
