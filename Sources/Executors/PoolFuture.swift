import Synchronization
import WeaveDurations

/// The eventual result of work handed to an executor or a pool — Python's
/// `concurrent.futures.Future`, and `multiprocessing`'s `AsyncResult`.
///
/// ```swift
/// let future = try executor.submit { 6 * 7 }
/// print(try future.get(timeout: 5))  // 42
/// ```
///
/// A future may be used from any thread, and waited on by three kinds of caller:
/// - plain code, which blocks its thread (`get`, `wait`);
/// - a greenlet on a thread with a hub, which suspends only that greenlet: the hub runs the
///   thread's other green threads meanwhile;
/// - async code, which awaits ``value``.
///
/// A future is pending until its work starts, then running, then done: finished with a
/// value or an error, or cancelled (only a pending future can be).
public final class PoolFuture<Value: Sendable>: Sendable {
    private enum Phase {
        case pending, running
        case done(Result<Value, any Error>)
    }

    private struct State {
        var phase = Phase.pending
        var callbacks: [@Sendable (Result<Value, any Error>) -> Void] = []
    }

    private let state = Mutex(State())
    private let helper: Helper?

    /// Lets a caller that waits in plain code do the work of completing the future itself:
    /// it runs until `isDone()` holds or `timeout` seconds (nil: no limit) pass, and
    /// returns `isDone()`.
    package typealias Helper = @Sendable (_ isDone: () -> Bool, _ timeout: Double?) -> Bool

    /// Creates a pending future; the executor that owns the work completes it. An executor
    /// that can take a caller's help (a process pool, whose replies the caller can read
    /// itself rather than be woken by the thread that did) passes `helper`.
    package init(helper: Helper? = nil) {
        self.helper = helper
    }

    // MARK: Inspecting

    /// Whether the future is done: finished with a value or an error, or cancelled
    /// (Python's `done()`, `AsyncResult.ready()`).
    public var isReady: Bool { result != nil }

    /// Whether the work is running now (Python's `running()`).
    public var isRunning: Bool {
        state.withLock { if case .running = $0.phase { true } else { false } }
    }

    /// Whether the future was cancelled before its work started (Python's `cancelled()`).
    public var isCancelled: Bool {
        guard case .failure(let error as ExecutorError)? = result else { return false }
        return error.code == .cancelled
    }

    /// The outcome once done, or `nil` while pending or running. A cancelled future's
    /// outcome is an ``ExecutorError`` with code `cancelled`.
    public var result: Result<Value, any Error>? {
        state.withLock { if case .done(let result) = $0.phase { result } else { nil } }
    }

    // MARK: Waiting

    /// Waits until the future is done, and returns the work's value (Python's
    /// `result(timeout)`, `AsyncResult.get(timeout)`).
    ///
    /// Plain code blocks its thread; a greenlet suspends only itself.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Throws: The error the work threw; ``ExecutorError`` with code `timedOut` when
    ///   `timeout` runs out first (the work goes on), or `cancelled`; in a greenlet, an
    ///   error thrown into it meanwhile.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Value {
        guard try waitThrowing(timeout: timeout) else {
            throw ExecutorError(.timedOut, "the future was not done within \(timeout ?? 0) s")
        }
        return try result!.get()
    }

    /// Waits until the future is done or `timeout` seconds pass (Python's
    /// `AsyncResult.wait(timeout)`).
    ///
    /// - Returns: Whether the future is done.
    /// - Throws: In a greenlet, an error thrown into it meanwhile (a kill, a scoped
    ///   timeout); plain code never sees one.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Bool {
        try waitThrowing(timeout: timeout)
    }

    /// The work's value, for async code: suspends the task until the future is done.
    ///
    /// - Throws: The error the work threw, or ``ExecutorError`` with code `cancelled`.
    public var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                onComplete { continuation.resume(with: $0) }
            }
        }
    }

    private func waitThrowing(timeout: Double?) throws -> Bool {
        if isReady { return true }
        if let helper, CompletionWait.blocksThread { return helper({ isReady }, timeout) }
        return try CompletionWait.wait(for: "a pool future", timeout: timeout) { wake in
            onComplete { _ in wake() }
        }
    }

    // MARK: Callbacks

    /// Calls `callback` with the outcome once the future is done (Python's
    /// `add_done_callback`). A future already done calls it at once, on the calling
    /// thread; otherwise it runs on the thread that completes the future, so keep it short
    /// and never block in it.
    public func onComplete(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        let done: Result<Value, any Error>? = state.withLock { state in
            if case .done(let result) = state.phase { return result }
            state.callbacks.append(callback)
            return nil
        }
        if let done { callback(done) }
    }

    /// Calls `callback` with the value if the work succeeds (`apply_async`'s `callback`).
    public func onSuccess(_ callback: @escaping @Sendable (Value) -> Void) {
        onComplete { if case .success(let value) = $0 { callback(value) } }
    }

    /// Calls `callback` with the error if the work fails or the future is cancelled
    /// (`apply_async`'s `error_callback`).
    public func onFailure(_ callback: @escaping @Sendable (any Error) -> Void) {
        onComplete { if case .failure(let error) = $0 { callback(error) } }
    }

    // MARK: Cancelling and completing

    /// Cancels the future if its work has not started (Python's `cancel()`); the work then
    /// never runs.
    ///
    /// - Returns: Whether the future is cancelled now: `false` when its work is running or
    ///   done.
    @discardableResult
    public func cancel() -> Bool {
        if isCancelled { return true }
        return complete(
            with: .failure(ExecutorError(.cancelled, "the future was cancelled before its work started")),
            onlyIfPending: true)
    }

    /// Marks the work as started (Python's `set_running_or_notify_cancel`).
    ///
    /// - Returns: `false` when the future was cancelled or is done: skip the work.
    package func markRunning() -> Bool {
        state.withLock { state in
            guard case .pending = state.phase else { return false }
            state.phase = .running
            return true
        }
    }

    /// Completes the future with `result`, unless it is done already (the first
    /// completion wins), and runs its callbacks.
    package func complete(with result: Result<Value, any Error>) {
        complete(with: result, onlyIfPending: false)
    }

    @discardableResult
    private func complete(with result: Result<Value, any Error>, onlyIfPending: Bool) -> Bool {
        let callbacks: [@Sendable (Result<Value, any Error>) -> Void]? = state.withLock { state in
            switch state.phase {
            case .done: return nil
            case .running where onlyIfPending: return nil
            case .pending, .running:
                state.phase = .done(result)
                defer { state.callbacks.removeAll() }
                return state.callbacks
            }
        }
        guard let callbacks else { return false }
        for callback in callbacks { callback(result) }
        return true
    }
}
