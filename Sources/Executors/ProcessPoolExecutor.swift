import Multiprocessing
import Synchronization

/// An executor whose workers are processes — Python's
/// `concurrent.futures.ProcessPoolExecutor`, with closures where Python needs picklable
/// functions, and a pool that heals when a worker dies.
///
/// ```swift
/// let executor = try ProcessPoolExecutor(maxWorkers: 2)
/// defer { executor.shutdown() }
/// let base = 10
/// let future = try executor.submit { base * base }
/// print(try future.get(timeout: 10))  // 100
/// print(try executor.map(1...3) { $0 + base })  // [11, 12, 13]
/// ```
///
/// The workers are forked, so work is a closure that may capture anything. A closure the
/// workers have not seen reaches them in workers forked for it, in place of the oldest (see
/// ``/Multiprocessing/WorkerPool``): a `submit` costs one fork, `map` one per worker for all its
/// inputs, and closures submitted together share their forks. For many small tasks,
/// submit a registered ``/Multiprocessing/PoolFunction`` (`submit(_:_:)`), which every worker knows by name,
/// as Python pickles a module-level function.
///
/// A thread of the executor's own drives its workers and forks them, so their
/// parent-death signal follows that thread and the process: no worker outlives the
/// program. Forking while other threads run is the hazard Python 3.12 warns about (a lock
/// held elsewhere stays locked in the child); `Multiprocessing.warnsOnMultithreadedFork`
/// prints that warning once.
///
/// A future's `get` or `wait` in plain code reads the worker's reply on the calling thread
/// instead of being woken by the executor's thread, which saves a hand-off between threads
/// per task (`executor_submit_roundtrip` in `weave bench pool`); forks stay on the
/// executor's thread. Greenlets and async code are completed by the executor's thread.
///
/// A worker killed by a signal fails only the future it was running, with
/// `MultiprocessingError(.workerDied)` naming its pid and the signal; a replacement starts
/// and the other futures carry on (Python breaks the whole executor). An error the work
/// throws reaches the future as a ``/Multiprocessing/PoolTaskError`` with its type, message and the worker's
/// pid. Any thread may submit.
public final class ProcessPoolExecutor: PoolExecutor {
    private let pool: DrivenWorkerPool
    private let isShutDown = Mutex(false)

    /// Starts `maxWorkers` worker processes and the thread that drives them —
    /// `ProcessPoolExecutor(max_workers, initializer=, max_tasks_per_child=)`.
    ///
    /// - Parameters:
    ///   - maxWorkers: How many workers; by default the number of online processors.
    ///   - maxTasksPerChild: How many tasks a worker runs before a fresh one replaces it.
    ///   - initializer: Runs once in each worker before its first task.
    /// - Throws: `MultiprocessingError(.invalidArgument)` for fewer than 1 worker or a
    ///   `maxTasksPerChild` below 1; `.systemCallFailed` when processes or the thread
    ///   cannot start.
    public init(maxWorkers: Int? = nil, maxTasksPerChild: Int? = nil, initializer: (@Sendable () throws -> Void)? = nil) throws {
        pool = try DrivenWorkerPool(processes: maxWorkers, maxTasksPerChild: maxTasksPerChild, initializer: initializer)
    }

    /// The serving workers' process ids.
    public var processIDs: [Int32] { pool.processIDs }

    /// Runs `work` in a worker process (Python's `submit`); see the type's documentation
    /// for what a new closure costs.
    /// - Throws: `ExecutorError(.shutDown)` after `shutdown(wait:cancelFutures:)`.
    public func submit<Value: Codable & Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value> {
        try checkRunning()
        let future = PoolFuture<Value>(helper: pool.helper)
        try pool.submit(count: 1, { _ in try work() }, start: { _ in future.markRunning() }) { future.complete(with: $1) }
        return future
    }

    /// Runs the registered `function` for `input` in a worker: no fork, the fastest way to
    /// submit (Python's `submit(module_function, input)`).
    /// - Throws: `ExecutorError(.shutDown)` after shutdown; `EncodingError` for an input
    ///   that does not encode.
    public func submit<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) throws -> PoolFuture<Output> {
        try checkRunning()
        let future = PoolFuture<Output>(helper: pool.helper)
        try pool.submit(function, input, start: { future.markRunning() }) { future.complete(with: $0) }
        return future
    }

    /// Runs `transform` over `inputs`, outputs in input order (Python's `map`). The inputs
    /// travel to the workers with the closure, in the generation forked for this call, so
    /// they need not be `Codable`; each input is one task.
    /// - Throws: the first error in input order; `ExecutorError(.timedOut)` when `timeout`
    ///   seconds pass first (the inputs not started are cancelled); `.shutDown`.
    public func map<Input: Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>, timeout: Double?, _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        try checkRunning()
        let all = Array(inputs)
        let futures = all.map { _ in PoolFuture<Output>() }
        try pool.submit(count: all.count, { try transform(all[$0]) }, start: { futures[$0].markRunning() }) {
            futures[$0].complete(with: $1)
        }
        return try PoolFutures.collect(futures, timeout: timeout)
    }

    /// Takes no more work (Python's `shutdown(wait, cancel_futures)`). With
    /// `cancelFutures`, the futures no worker has started are cancelled; with `wait`, it
    /// returns once the rest are done and the workers have left. Calling it again does
    /// nothing more.
    public func shutdown(wait: Bool, cancelFutures: Bool) {
        let first = isShutDown.withLock { shutDown in
            defer { shutDown = true }
            return !shutDown
        }
        guard first else { return }
        if cancelFutures {
            pool.cancelQueued(with: ExecutorError(.cancelled, "the executor was shut down before the task started"))
        }
        pool.shutdown(wait: wait)
    }

    /// Kills the workers at once with SIGKILL and reaps them; the futures they held and the
    /// queued ones fail (Python 3.14's `kill_workers`).
    public func killWorkers() {
        isShutDown.withLock { $0 = true }
        pool.terminate()
    }

    private func checkRunning() throws {
        if isShutDown.withLock({ $0 }) {
            throw ExecutorError(.shutDown, "cannot submit work to a ProcessPoolExecutor after shutdown")
        }
    }
}
