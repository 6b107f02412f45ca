import DequeModule
import GreenHub
import Logging
import Synchronization

/// An executor whose workers are green threads on a hub thread of its own — the green
/// member of the ``PoolExecutor`` family, for IO-bound work written in blocking style.
///
/// ```swift
/// let executor = try GreenPoolExecutor(maxGreenThreads: 100)
/// defer { executor.shutdown() }
/// let futures = try (1...100).map { n in
///     try executor.submit { () -> Int in
///         try Green.sleep(0.05)  // a hundred sleeps overlap on one thread
///         return n
///     }
/// }
/// print(try futures.map { try $0.get() }.reduce(0, +))  // 5050
/// ```
///
/// The work runs in green threads on the executor's hub, at most `maxGreenThreads` at a
/// time; the rest wait in submission order. Work that blocks the green way
/// (``/GreenHub/Green/sleep(_:)``, green sockets and HTTP, green queues) lets the others run; work that
/// blocks the thread (a CPU loop, a plain `read`) holds them all up, as in gevent. Submit
/// from any thread, a greenlet or async code.
public final class GreenPoolExecutor: PoolExecutor {
    private struct Job {
        let run: @Sendable () -> Void
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var remote: HubRemote?
        var queued = Deque<Job>()
        var running = 0
        var isShutDown = false
        var drained: [@Sendable () -> Void] = []
    }

    /// How many green threads run work at once, at most.
    public let maxGreenThreads: Int
    /// Where the executor reports its hub thread's start and its shutdown, at `debug`.
    /// Every task's outcome goes to its future, never to the log.
    private let logger: Logger
    private let state: Mutex<State>

    /// Starts the executor's hub thread.
    ///
    /// - Parameters:
    ///   - maxGreenThreads: How many tasks run at once, at most; 1000 by default.
    ///   - logger: Where the executor reports its hub thread's start and stop, at `debug`.
    /// - Throws: ``ExecutorError`` for a `maxGreenThreads` below 1; ``/GreenHub/HubError`` with code
    ///   `threadUnavailable` when the system refuses the thread.
    public init(maxGreenThreads: Int = 1000, logger: Logger = Logger(label: "weave.executors.green")) throws {
        guard maxGreenThreads >= 1 else {
            throw ExecutorError(.invalidArgument, "maxGreenThreads must be at least 1, not \(maxGreenThreads)")
        }
        self.maxGreenThreads = maxGreenThreads
        self.logger = logger
        state = Mutex(State(remote: try Hub.startThread()))
        logger.debug("green executor started its hub thread", metadata: ["maxGreenThreads": "\(maxGreenThreads)"])
    }

    deinit {
        shutdown(wait: false, cancelFutures: false)
    }

    /// Schedules `work` on a green thread of the executor's hub (Python's `submit`).
    ///
    /// - Throws: ``ExecutorError`` with code `shutDown` after `shutdown(wait:cancelFutures:)`.
    public func submit<Value: Codable & Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        try submitAny(work)
    }

    /// Schedules `work`, whose value need not be `Codable`, on a green thread of the
    /// executor's hub.
    ///
    /// - Throws: ``ExecutorError`` with code `shutDown` after `shutdown(wait:cancelFutures:)`.
    public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        try submitAny(work)
    }

    private func submitAny<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        let future = PoolFuture<Value>()
        let job = Job(
            run: {
                guard future.markRunning() else { return }
                future.complete(with: Result { try work() })
            },
            cancel: { future.cancel() })
        let remote: HubRemote? = try state.withLock { state in
            guard !state.isShutDown, let remote = state.remote else {
                throw ExecutorError(.shutDown, "cannot submit work after shutdown(); make a new GreenPoolExecutor")
            }
            guard state.running < maxGreenThreads else {
                state.queued.append(job)
                return nil
            }
            state.running += 1
            return remote
        }
        remote?.submit(name: "green-executor") { [self] in runJobs(starting: job) }
        return future
    }

    /// A worker green thread: runs `job`, then the queued ones, until none is left.
    private func runJobs(starting job: Job) {
        var next: Job? = job
        while let job = next {
            job.run()
            let (following, drained) = state.withLock { state in
                if let following = state.queued.popFirst() { return (Optional(following), [@Sendable () -> Void]()) }
                state.running -= 1
                guard state.running == 0, state.isShutDown else { return (nil, []) }
                defer { state.drained.removeAll() }
                return (nil, state.drained)
            }
            next = following
            drained.forEach { $0() }
        }
    }

    /// Stops taking work (Python's `shutdown`). The hub thread ends once the last task has
    /// finished.
    ///
    /// - Parameters:
    ///   - wait: Whether to return only once every task submitted has finished.
    ///   - cancelFutures: Whether to cancel the tasks still queued.
    public func shutdown(wait: Bool, cancelFutures: Bool) {
        let drain = PoolFuture<Void>()
        let cancelled: Deque<Job> = state.withLock { state in
            state.isShutDown = true
            state.remote = nil
            let cancelled = cancelFutures ? state.queued : []
            if cancelFutures { state.queued.removeAll() }
            if state.running == 0 {
                drain.complete(with: .success(()))
            } else {
                state.drained.append { drain.complete(with: .success(())) }
            }
            return cancelled
        }
        cancelled.forEach { $0.cancel() }
        logger.debug("green executor shut down", metadata: ["cancelled": "\(cancelled.count)"])
        if wait { _ = try? drain.get() }
    }
}
