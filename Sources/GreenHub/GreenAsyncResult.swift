import WeaveDurations

/// A one-shot promise that greenlets wait on: completed once with a value or an error —
/// `gevent.event.AsyncResult`.
///
/// Completing it wakes every waiter; later `get()` calls return at once. Create it and use
/// it on one thread: its hub's. Calls from another thread throw `HubError.wrongThread`.
///
/// ```swift
/// let answer = GreenAsyncResult<Int>(name: "answer")
/// Green.spawn { try answer.set(42) }
/// print(try answer.get())   // 42
/// ```
public final class GreenAsyncResult<Value>: CustomStringConvertible {
    /// The name given at creation, shown in deadlock reports.
    public let name: String?
    let hub: Hub
    private var outcome: Result<Value, any Error>?
    private var waiters = WaitList<Void>()

    /// Creates an incomplete result on the calling thread's hub.
    ///
    /// - Parameter name: A name for deadlock reports and `description`.
    public init(name: String? = nil) {
        hub = Hub.current
        self.name = name
    }

    // MARK: State

    /// Whether it has been completed, with a value or an error — `ready()`.
    public var isReady: Bool { outcome != nil }

    /// Whether it has been completed with a value — `successful()`.
    public var isSuccessful: Bool {
        if case .success = outcome { return true }
        return false
    }

    /// The value it was completed with, if any — `value`.
    public var value: Value? {
        if case .success(let value) = outcome { return value }
        return nil
    }

    /// The error it was completed with, if any — `exception`.
    public var error: (any Error)? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    /// The outcome, once completed.
    public var result: Result<Value, any Error>? { outcome }

    // MARK: Completing

    /// Completes it with `value` and wakes every waiter — `set(value)`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.alreadyCompleted` if it was completed before;
    ///   `HubError.wrongThread`.
    public func set(_ value: Value) throws {
        try complete(with: .success(value))
    }

    /// Completes it with `error`, which `get()` then throws, and wakes every waiter —
    /// `set_exception(error)`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.alreadyCompleted` if it was completed before;
    ///   `HubError.wrongThread`.
    public func fail(_ error: any Error) throws {
        try complete(with: .failure(error))
    }

    /// Completes it with `result` and wakes every waiter.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.alreadyCompleted` if it was completed before;
    ///   `HubError.wrongThread`.
    public func complete(with result: Result<Value, any Error>) throws {
        try hub.checkThread()
        guard outcome == nil else {
            throw GreenSyncError(
                .alreadyCompleted,
                "\(primitiveLabel("GreenAsyncResult", name)) was completed already; a result is set once — make a new one for the next value")
        }
        outcome = result
        waiters.wakeAll()
    }

    // MARK: Waiting

    /// Blocks the running greenlet until it is completed, and returns the value —
    /// `get(block=True, timeout)`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Throws: The error it was completed with; ``GreenTimeoutError`` if `timeout` runs
    ///   out first; an error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if nothing can ever complete it; `HubError.wrongThread`.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Value {
        try hub.checkThread()
        while true {
            if let outcome { return try outcome.get() }
            try hub.wait(for: "\(self.description) — get", timeout: timeout) { waiter in
                waiters.append(waiter, ())
            }
        }
    }

    /// Returns the value without blocking — `get_nowait()`.
    ///
    /// - Throws: The error it was completed with; ``GreenTimeoutError`` (of 0 s) if it is
    ///   not complete yet; `HubError.wrongThread`.
    public func getNowait() throws -> Value {
        try hub.checkThread()
        guard let outcome else { throw GreenTimeoutError(seconds: 0) }
        return try outcome.get()
    }

    /// Blocks the running greenlet until it is completed, without raising its error —
    /// `wait(timeout)`.
    ///
    /// Call on the hub's thread, from any greenlet but the hub's.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether it is complete (`false` when `timeout` ran out first).
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout);
    ///   `HubError.deadlock` if nothing can ever complete it; `HubError.wrongThread`.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if outcome != nil { return true }
        return try hub.waitUnlessTimedOut(for: "\(self.description) — wait", timeout: timeout) { waiter in
            waiters.append(waiter, ())
        }
    }

    /// The result's name, state and number of waiters.
    public var description: String {
        let state =
            switch outcome {
            case nil: "pending"
            case .success: "set"
            case .failure(let error): "failed: \(error)"
            }
        return "\(primitiveLabel("GreenAsyncResult", name)) (\(state), \(waiters.waitingCount) waiting)"
    }
}

extension GreenAsyncResult where Value == Void {
    /// Completes it with no value and wakes every waiter — `set()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenSyncError.alreadyCompleted` if it was completed before;
    ///   `HubError.wrongThread`.
    public func set() throws {
        try complete(with: .success(()))
    }
}
