import WeaveDurations

/// The result of `applyAsync` or `mapAsync`, to collect later — Python's `AsyncResult`.
///
/// The pool has no thread of its own: waiting drives it. `get`, `wait`, a blocking call on
/// the same pool or its `join()` take replies in; a callback runs on the thread that
/// takes its result in (or at once on the registering thread, when the result is in
/// already). Any thread may use the handle.
public final class PoolAsyncResult<Value: Sendable>: @unchecked Sendable {
    private let engine: PoolEngine
    private let lock = InProcessLock()
    private var outcome: Result<Value, any Error>?
    private var callbacks: [@Sendable (Result<Value, any Error>) -> Void] = []

    init(engine: PoolEngine) {
        self.engine = engine
    }

    /// Whether the result is in (Python's `ready()`).
    public var isReady: Bool { lock.withLock { outcome != nil } }

    /// Whether the work succeeded; nil while it runs (Python's `successful()`, which raises
    /// then).
    public var isSuccessful: Bool? {
        lock.withLock {
            switch outcome {
            case .success: true
            case .failure: false
            case nil: nil
            }
        }
    }

    /// Waits at most `timeout` seconds (nil: for ever) for the result and returns whether
    /// it is in — Python's `wait(timeout)`. Blocks the calling thread while it drives the
    /// pool.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) -> Bool {
        engine.drive(until: { isReady }, deadline: deadline(after: timeout))
    }

    /// The value, waiting at most `timeout` seconds (nil: for ever) — Python's
    /// `get(timeout)`.
    /// - Throws: what the work threw (a ``PoolTaskError`` from the function,
    ///   `MultiprocessingError(.workerDied)` when its worker was killed); `.timedOut` when
    ///   the timeout passed first.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Value {
        guard wait(timeout: timeout), let outcome = lock.withLock({ outcome }) else {
            throw MultiprocessingError(.timedOut, context: "the pool's result is not in yet")
        }
        return try outcome.get()
    }

    /// Calls `callback` with the value once the work succeeds (Python's `callback=`).
    public func onSuccess(_ callback: @escaping @Sendable (Value) -> Void) {
        onComplete { if case .success(let value) = $0 { callback(value) } }
    }

    /// Calls `callback` with the error once the work fails (Python's `error_callback=`).
    public func onFailure(_ callback: @escaping @Sendable (any Error) -> Void) {
        onComplete { if case .failure(let error) = $0 { callback(error) } }
    }

    /// Calls `callback` with the outcome once it is in.
    public func onComplete(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        let ready: Result<Value, any Error>? = lock.withLock {
            if outcome == nil { callbacks.append(callback) }
            return outcome
        }
        if let ready { callback(ready) }
    }

    /// Records the outcome (the first one wins) and runs the callbacks.
    func complete(_ result: Result<Value, any Error>) {
        let waiting: [@Sendable (Result<Value, any Error>) -> Void] = lock.withLock {
            guard outcome == nil else { return [] }
            outcome = result
            defer { callbacks.removeAll() }
            return callbacks
        }
        for callback in waiting { callback(result) }
    }
}
