import Synchronization
import WeaveDurations

/// A closure running on its own OS thread, with a result — Python's `threading.Thread`.
///
/// Create it, `start()` it once, then `join(timeout:)` it or `get(timeout:)` its value.
/// A body that throws is reported as `threading.excepthook` reports it — through
/// `Threading.logger` at `.error`, with the thread's name and ident — and the error is kept
/// for `get()` and `error`. At a normal exit (`exit()`, `main` returning) the process waits
/// for its non-daemon threads; daemon threads are abandoned. swift-metrics counts
/// `weave_threads_started_total`, `weave_threads_running` and `weave_thread_errors_total`.
///
/// Every member may be used from any thread.
///
/// ```swift
/// let worker = OSThread(name: "worker") { (1...10).reduce(0, +) }
/// try worker.start()
/// print(try worker.get())  // 55
/// ```
public final class OSThread<Value: Sendable>: Sendable, CustomStringConvertible {
    /// The thread as `Threading.currentThread` and `Threading.enumerate()` see it.
    public let handle: AnyOSThread
    private let body: @Sendable () throws -> Value
    private let stackSize: Int?
    private let outcome = Mutex<Result<Value, any Error>?>(nil)

    /// Creates a thread that will run `body` — `threading.Thread(target=, name=, daemon=)`.
    ///
    /// - Parameters:
    ///   - name: The thread's name; `Thread-N` by default, numbered as Python numbers them.
    ///   - daemon: Whether the process may exit without waiting for it; by default the
    ///     creating thread's own flag (false on the main thread), as in Python.
    ///   - stackSize: The thread's stack in bytes (`threading.stack_size`, per thread
    ///     here); the system default when nil. At least the system minimum
    ///     (`sysconf(_SC_THREAD_STACK_MIN)`), or `start()` throws `.invalidArgument`.
    ///   - body: The work; its value or error becomes the thread's result.
    public init(
        name: String? = nil, daemon: Bool? = nil, stackSize: Int? = nil,
        _ body: @escaping @Sendable () throws -> Value
    ) {
        let registry = ThreadRegistry.shared
        handle = AnyOSThread(
            origin: .started, name: name ?? registry.nextThreadName(),
            isDaemon: daemon ?? registry.current().isDaemon, phase: .created)
        self.body = body
        self.stackSize = stackSize
    }

    /// Starts the thread — `Thread.start()` (`pthread_create`, detached). Returns once the
    /// thread runs and its `ident` and `nativeID` are known.
    ///
    /// - Throws: ``ThreadingError`` `.alreadyStarted` on a second call; `.invalidArgument`
    ///   for a stack size the system refuses; `.systemCallFailed` when the system has no
    ///   thread to give (`EAGAIN`), after which `start()` may be tried again.
    public func start() throws {
        guard handle.beginStarting() else {
            throw ThreadingError(.alreadyStarted, context: "start() on \(handle)")
        }
        let registry = ThreadRegistry.shared
        registry.willStart(handle)
        do {
            try Syscalls.startDetachedThread(stackSize: stackSize) { self.run() }
        } catch {
            registry.startFailed(handle)
            throw error
        }
        handle.waitUntilRunning()
    }

    /// The new thread's whole life: run the body, keep its outcome, report an error, end.
    private func run() {
        let registry = ThreadRegistry.shared
        registry.bind(handle)
        ThreadingMetrics.threadStarted()
        handle.markRunning()
        let result = Result { try body() }
        if case .failure(let error) = result {
            Threading.reportUncaught(error, in: handle)
        }
        outcome.withLock { $0 = result }
        ThreadingMetrics.threadFinished(failed: result.isFailure)
        registry.finish(handle)
        registry.unbind()
    }

    /// Waits until the thread finishes — `Thread.join(timeout)`.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the thread has finished; false when the timeout expired first.
    /// - Throws: ``ThreadingError`` `.notStarted` before `start()`, `.joinSelf` from the
    ///   thread itself.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        try handle.join(timeout: timeout)
    }

    /// Waits for the thread and returns its body's value, or throws its body's error.
    ///
    /// Python's threads have no result; this is `concurrent.futures.Future.result(timeout)`
    /// for one thread.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Throws: The body's error; ``ThreadingError`` `.timedOut` when the thread is still
    ///   running after `timeout`, `.notStarted`, `.joinSelf`, `.lostInFork` in a forked
    ///   child for a thread that ran in the parent.
    @DurationOverload
    public func get(timeout: Double? = nil) throws -> Value {
        guard try join(timeout: timeout) else {
            throw ThreadingError(.timedOut, context: "get(timeout: \(timeout ?? .infinity)) on \(handle)")
        }
        guard let result else {
            throw ThreadingError(.lostInFork, context: "get() on \(handle)")
        }
        return try result.get()
    }

    /// The body's value or error once the thread has finished; nil before.
    public var result: Result<Value, any Error>? { outcome.withLock { $0 } }

    /// The body's value once the thread has finished successfully; nil otherwise.
    public var value: Value? { try? result?.get() }

    /// The error the body threw once the thread has finished with one; nil otherwise.
    public var error: (any Error)? {
        guard case .failure(let error) = result else { return nil }
        return error
    }

    /// The thread's name — `Thread.name`; settable at any time.
    public var name: String {
        get { handle.name }
        set { handle.name = newValue }
    }

    /// Whether the process may exit without waiting for this thread — `Thread.daemon`.
    public var isDaemon: Bool { handle.isDaemon }

    /// Sets the daemon flag — `Thread.daemon = flag`, allowed only before `start()`.
    ///
    /// - Throws: `ThreadingError(.daemonAfterStart)` once started.
    public func setDaemon(_ isDaemon: Bool) throws {
        guard handle.setDaemonBeforeStart(isDaemon) else {
            throw ThreadingError(.daemonAfterStart, context: "setDaemon(\(isDaemon)) on \(handle)")
        }
    }

    /// `pthread_self()` of the thread — `Thread.ident`; nil before `start()`.
    public var ident: UInt? { handle.ident }

    /// The kernel's thread id — `Thread.native_id` (`gettid()`); nil before `start()`.
    public var nativeID: UInt64? { handle.nativeID }

    /// Whether the thread was started and has not finished — `Thread.is_alive()`.
    public var isAlive: Bool { handle.isAlive }

    /// Python's `repr(thread)`.
    public var description: String { handle.description }
}

extension Result {
    /// Whether this is a failure.
    fileprivate var isFailure: Bool {
        if case .failure = self { true } else { false }
    }
}
