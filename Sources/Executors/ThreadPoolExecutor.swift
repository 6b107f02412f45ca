#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DequeModule
import Logging
import Synchronization
import Threading

/// An executor whose workers are OS threads — Python's
/// `concurrent.futures.ThreadPoolExecutor`, for blocking work that should not hold up the
/// caller: plain file and socket calls, C libraries, CPU work that releases its thread.
///
/// ```swift
/// let executor = try ThreadPoolExecutor(maxWorkers: 4, threadNamePrefix: "loader")
/// defer { executor.shutdown() }
/// let sizes = try executor.map(paths) { path in try loadFile(path).count }
/// ```
///
/// Workers are ``/Threading/OSThread``s named `<prefix>_<n>`, started one per submission while none
/// is idle, up to `maxWorkers`; each runs `initializer` first, then tasks in submission
/// order. They are not daemon threads: at a normal process exit the executor stops taking
/// work, its workers finish what is queued, and the exit waits for them, as in Python.
/// Submit from any thread. An executor made before a `fork` does not work in the child,
/// where its workers do not exist: make a new one there.
public final class ThreadPoolExecutor: PoolExecutor {
    /// The most worker threads it runs — `max_workers`.
    public let maxWorkers: Int
    /// The start of its workers' names — `thread_name_prefix`.
    public let threadNamePrefix: String
    private let pool: ThreadPool

    /// Python's default `max_workers`: `min(32, cpu_count + 4)`, enough threads to keep
    /// the processors busy while some of them block in I/O.
    public static var defaultMaxWorkers: Int {
        min(32, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) + 4)
    }

    /// Creates an executor; its workers start as work arrives —
    /// `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)`.
    ///
    /// - Parameters:
    ///   - maxWorkers: The most worker threads; `defaultMaxWorkers` when nil.
    ///   - threadNamePrefix: Its workers are named `<prefix>_0`, `<prefix>_1`…; by default
    ///     `ThreadPoolExecutor-<n>`, numbered per executor as Python numbers them.
    ///   - initializer: Run by each worker before its first task. If it throws, the
    ///     executor breaks: the error is logged, queued tasks fail and later submissions
    ///     throw ``ExecutorError`` with code `brokenExecutor` (Python's `BrokenThreadPool`).
    ///   - logger: Where a failed initializer is reported, at `error`. Every task's
    ///     outcome goes to its future, never to the log.
    /// - Throws: ``ExecutorError`` with code `invalidArgument` for a `maxWorkers` below 1.
    public init(
        maxWorkers: Int? = nil,
        threadNamePrefix: String? = nil,
        initializer: (@Sendable () throws -> Void)? = nil,
        logger: Logger = Logger(label: "weave.executors.thread")
    ) throws {
        let maxWorkers = maxWorkers ?? Self.defaultMaxWorkers
        guard maxWorkers >= 1 else {
            throw ExecutorError(.invalidArgument, "maxWorkers must be at least 1, not \(maxWorkers)")
        }
        let number = executorNumbers.wrappingAdd(1, ordering: .relaxed).oldValue
        self.maxWorkers = maxWorkers
        self.threadNamePrefix = threadNamePrefix ?? "ThreadPoolExecutor-\(number)"
        pool = ThreadPool(
            maxWorkers: maxWorkers, threadNamePrefix: self.threadNamePrefix, initializer: initializer,
            logger: logger)
    }

    deinit {
        pool.shutdown(wait: false, cancelFutures: false)
    }

    /// Schedules `work` on a worker thread (Python's `submit`).
    ///
    /// - Throws: ``ExecutorError`` with code `shutDown` after `shutdown(wait:cancelFutures:)`,
    ///   `brokenExecutor` after an initializer failed; ``/Threading/ThreadingError`` when the system
    ///   refuses a new worker thread (the task stays queued for the running workers).
    public func submit<Value: Codable & Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        try pool.submit(work)
    }

    /// Schedules `work`, whose value need not be `Codable`, on a worker thread.
    ///
    /// - Throws: As the `Codable` overload.
    public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        try pool.submit(work)
    }

    /// Stops taking work (Python's `shutdown(wait, cancel_futures)`); the workers finish
    /// the tasks still queued (unless cancelled) and end. Call from any thread; from a
    /// task, `wait` does not wait for the task's own worker.
    ///
    /// - Parameters:
    ///   - wait: Whether to return only once every worker has ended.
    ///   - cancelFutures: Whether to cancel the tasks that have not started.
    public func shutdown(wait: Bool, cancelFutures: Bool) {
        pool.shutdown(wait: wait, cancelFutures: cancelFutures)
    }
}

extension ExecutorError.Code {
    /// A thread pool's initializer threw, so the pool cannot run work (Python's
    /// `BrokenThreadPool`). Its queued tasks failed with this error; the initializer's own
    /// error was logged. Fix the initializer and make a new executor.
    public static let brokenExecutor = ExecutorError.Code(raw: 0x40)
}

/// The numbers in default executor names: `ThreadPoolExecutor-0`, `-1`…
private let executorNumbers = Atomic<Int>(0)

/// The workers and queue behind a ``ThreadPoolExecutor``, kept apart from it so that the
/// executor can go away (and shut them down) while they run.
private final class ThreadPool: Sendable {
    private struct Job: Sendable {
        let run: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var queue = Deque<Job>()
        var workers: [OSThread<Void>] = []
        /// Workers waiting for a task, as far as submissions have not claimed them.
        var idleWorkers = 0
        var isShutDown = false
        var brokenReason: String?
        var exitCallback: UInt64?
    }

    private let maxWorkers: Int
    private let threadNamePrefix: String
    private let initializer: (@Sendable () throws -> Void)?
    private let logger: Logger
    private let state = Mutex(State())
    /// One permit per queued task, plus one per worker once shut down, so that each wakes
    /// and ends.
    private let tasksAvailable = ThreadSemaphore(0)

    init(maxWorkers: Int, threadNamePrefix: String, initializer: (@Sendable () throws -> Void)?, logger: Logger) {
        self.maxWorkers = maxWorkers
        self.threadNamePrefix = threadNamePrefix
        self.initializer = initializer
        self.logger = logger
        let exitCallback = Threading.registerAtExit { [weak self] in
            self?.shutdown(wait: false, cancelFutures: false)
        }
        state.withLock { $0.exitCallback = exitCallback }
    }

    func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        let future = PoolFuture<Value>()
        let job = Job(
            run: {
                guard future.markRunning() else { return }
                future.complete(with: Result { try work() })
            },
            fail: { future.complete(with: .failure($0)) },
            cancel: { future.cancel() })
        let newWorker: OSThread<Void>? = try state.withLock { state in
            if let reason = state.brokenReason {
                throw ExecutorError(.brokenExecutor, reason)
            }
            guard !state.isShutDown else {
                throw ExecutorError(.shutDown, "cannot submit work after shutdown(); make a new ThreadPoolExecutor")
            }
            state.queue.append(job)
            if state.idleWorkers > 0 {
                state.idleWorkers -= 1
                return nil
            }
            guard state.workers.count < maxWorkers else { return nil }
            let worker = OSThread(name: "\(threadNamePrefix)_\(state.workers.count)", daemon: false) { [self] in
                runWorker()
            }
            state.workers.append(worker)
            return worker
        }
        try tasksAvailable.release()
        if let newWorker {
            do {
                try newWorker.start()
            } catch {
                state.withLock { $0.workers.removeAll { $0 === newWorker } }
                throw error
            }
        }
        return future
    }

    /// A worker's life: the initializer, then one task per permit until a permit finds
    /// the queue empty (shut down or broken).
    private func runWorker() {
        if let initializer {
            do {
                try initializer()
            } catch {
                initializerFailed(error)
                return
            }
        }
        while true {
            tasksAvailable.acquire()
            guard let job = state.withLock({ $0.queue.popFirst() }) else { return }
            job.run()
            state.withLock { $0.idleWorkers += 1 }
        }
    }

    /// Python's `_initializer_failed`: the pool breaks and its queued tasks fail.
    private func initializerFailed(_ error: any Error) {
        let thread = Threading.currentThread.name
        let reason = "a worker's initializer threw (\(error)); the pool cannot run work, make a new executor"
        logger.error(
            "thread pool initializer failed",
            metadata: ["thread.name": "\(thread)", "error": "\(error)"])
        let failed = state.withLock { state in
            state.brokenReason = state.brokenReason ?? reason
            defer { state.queue.removeAll() }
            return state.queue
        }
        let brokenError = ExecutorError(.brokenExecutor, reason)
        failed.forEach { $0.fail(brokenError) }
    }

    func shutdown(wait: Bool, cancelFutures: Bool) {
        let (workers, cancelled, exitCallback) = state.withLock { state in
            state.isShutDown = true
            let cancelled = cancelFutures ? Array(state.queue) : []
            if cancelFutures { state.queue.removeAll() }
            defer { state.exitCallback = nil }
            return (state.workers, cancelled, state.exitCallback)
        }
        exitCallback.map(Threading.unregisterAtExit)
        cancelled.forEach { $0.cancel() }
        if !workers.isEmpty {
            // A release of 1 or more permits on an unbounded semaphore cannot fail.
            try? tasksAvailable.release(workers.count)
        }
        guard wait else { return }
        let me = Threading.currentThread
        for worker in workers where worker.handle != me {
            // Cannot throw: every listed worker was started, and the caller's own is skipped.
            _ = try? worker.join()
        }
    }
}
