import WeaveDurations
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool of worker processes that runs any function per call — Python's
/// `multiprocessing.Pool`, with closures where Python needs picklable functions, and a
/// pool that heals when a worker dies.
///
/// ```swift
/// let pool = try WorkerPool(processes: 2)
/// defer { pool.terminate() }
/// let offset = 10
/// print(try pool.map([1, 2, 3]) { (n: Int) in n * n + offset })   // [11, 14, 19]
/// print(try pool.apply { "hello from \(Multiprocessing.currentProcess.pid)" })
/// ```
///
/// ## Functions: closures and registered functions
/// A closure cannot be serialized, so it reaches a worker only by being copied when the
/// worker is forked. The first jobs of a closure the serving workers have not seen make the
/// pool fork new workers, which inherit the closure with everything it captured: one per
/// job up to `processes`, so an `apply` forks one worker and a `map` of many chunks a whole
/// generation. The oldest workers make room: each finishes the jobs it holds and leaves.
/// The closure is kept while its call runs. That costs a fork per worker the call uses
/// (see `pool_apply_new_closure` in `weave bench pool`), so:
/// - for many calls of one closure, make a ``ProcessPool`` bound to it (the fastest form:
///   its workers are forked with it), or keep to one `map`/`imap` call per closure;
/// - for many functions, register them as ``PoolFunction``s: every worker knows them by
///   name, no fork is needed, and they work under `spawn` too.
/// The alternatives were weighed: serializing closures is impossible in Swift; a fork
/// server that forks one worker per job pays a fork per job, not per closure; a pool that
/// forbids closures loses what makes the Swift form worth having.
///
/// ## Failure
/// An error the function throws reaches the caller as a ``PoolTaskError`` with the error's
/// type name, text and the worker's pid; the pool goes on. A worker killed by a signal (or
/// crashing) fails exactly the job it was running with `MultiprocessingError(.workerDied)`
/// naming the worker, its pid and the signal, as soon as the call waiting for it notices
/// (at once: the pool polls each worker's process descriptor); the jobs queued behind it
/// run on the other workers, and a replacement is forked. Nothing waits for ever, where
/// Python's `Pool.map` hangs.
///
/// ## Waiting
/// A thread waiting for a reply, and a worker out of jobs, first check their sockets for
/// 50 µs without sleeping (yielding the processor between checks) and only then sleep:
/// waking a process that slept costs tens of microseconds, more than a tiny job's whole
/// round trip (`pool_apply_roundtrip` in `weave bench pool`). A wait spins only while a
/// processor is left free by the busy workers, and costs at most those 50 µs of processor
/// time when the reply is slower.
///
/// ## Life and threads
/// Workers are daemon children forked with `PR_SET_PDEATHSIG`: they die with the pool's
/// process even when it is SIGKILLed — and with the thread that forked them, so drive a
/// pool from a thread that lives as long as it. ``close()`` then ``join(timeout:)-(Double?)`` lets them finish
/// the queued work and leave; ``terminate()`` stops them at once (SIGTERM, SIGKILL after a
/// second), ``kill()`` with SIGKILL; a pool released while it runs is killed. The pool has no
/// thread of its own: the thread that waits on it drives it (see ``PoolAsyncResult``).
/// Calls from several threads take turns.
///
/// Sendable: its one stored property is the engine, which locks its own state; the class is
/// not final only so that ``ProcessPool`` can add a resident function to it.
public class WorkerPool: @unchecked Sendable {
    let engine: PoolEngine

    /// Starts `processes` workers — `Pool(processes, initializer, initargs,
    /// maxtasksperchild)`.
    ///
    /// - Parameters:
    ///   - processes: How many workers; by default `Multiprocessing.cpuCount`.
    ///   - startMethod: `.fork` (the default) runs closures and registered functions;
    ///     `.spawn` runs registered ``PoolFunction``s only.
    ///   - maxTasksPerChild: How many chunks a worker runs before it is replaced by a fresh
    ///     one; nil (the default) keeps workers for the pool's life.
    ///   - initializer: Runs once in each worker before its first job (fork only). If it
    ///     throws, the pool breaks: every call throws its ``PoolTaskError``.
    /// - Throws: `.invalidArgument` for fewer than 1 process, a `maxTasksPerChild` below 1,
    ///   or an initializer with `spawn`; `.systemCallFailed` when the workers cannot start.
    public convenience init(
        processes: Int? = nil, startMethod: StartMethod = .fork, maxTasksPerChild: Int? = nil,
        initializer: (@Sendable () throws -> Void)? = nil
    ) throws {
        try self.init(engine: PoolEngine(
            .init(processes: processes ?? Multiprocessing.cpuCount, startMethod: startMethod,
                  initializer: initializer, maxTasksPerChild: maxTasksPerChild),
            resident: nil))
    }

    /// Starts `processes` workers that each run `initializer(initializerArguments)` once —
    /// `Pool(processes, initializer, initargs)`.
    public convenience init<Arguments: Sendable>(
        processes: Int? = nil, maxTasksPerChild: Int? = nil,
        initializer: @escaping @Sendable (Arguments) throws -> Void, initializerArguments: Arguments
    ) throws {
        try self.init(processes: processes, maxTasksPerChild: maxTasksPerChild) { try initializer(initializerArguments) }
    }

    init(engine: PoolEngine) {
        self.engine = engine
    }

    /// Shapes the lazy results of `target` over `inputs` for `imap` and `imapUnordered`.
    func lazyResults<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ target: PoolTarget, _ inputs: some Sequence<Input>, chunkSize: Int, bufferSize: Int?, ordered: Bool,
        as _: Output.Type = Output.self
    ) throws -> PoolResults<Output> {
        PoolResults(source: try PoolCalls.imap(
            engine, target, inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: ordered, as: Output.self))
    }

    /// The serving workers' process ids (a replaced worker's pid leaves the list).
    public var processIDs: [Int32] { engine.processIDs }

    // MARK: Ending

    /// Lets the workers finish the queued work and leave; no new work is taken —
    /// `pool.close()`.
    public func close() {
        engine.close()
    }

    /// Stops the workers at once with SIGTERM (SIGKILL for one still there after a second)
    /// and reaps them; queued and running work fails with `.poolClosed` —
    /// `pool.terminate()`. No process is left behind.
    public func terminate() {
        engine.terminate(signal: SIGTERM)
    }

    /// Kills the workers with SIGKILL and reaps them; queued and running work fails with
    /// `.poolClosed`. For workers stuck where SIGTERM does not reach.
    public func kill() {
        engine.terminate(signal: SIGKILL)
    }

    /// Waits, at most `timeout` seconds, for every worker to leave, running the queued work
    /// meanwhile; returns whether they all left — `pool.join()`.
    /// - Throws: `.invalidArgument` while the pool runs: call ``close()`` or ``terminate()``
    ///   first.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        try engine.join(deadline: deadline(after: timeout))
    }

    /// Makes a pool, runs `body` with it and terminates the pool whatever happens —
    /// `with Pool(processes) as pool:`.
    public static func with<Result>(
        processes: Int? = nil, startMethod: StartMethod = .fork, maxTasksPerChild: Int? = nil,
        initializer: (@Sendable () throws -> Void)? = nil, _ body: (WorkerPool) throws -> Result
    ) throws -> Result {
        let pool = try WorkerPool(
            processes: processes, startMethod: startMethod, maxTasksPerChild: maxTasksPerChild, initializer: initializer)
        defer { pool.terminate() }
        return try body(pool)
    }

    // MARK: Targets

    /// Numbers `transform` in the pool's table for one call.
    func target<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) -> PoolTarget {
        let engine = engine
        let number = engine.addClosure(PoolChunkRunner.make(transform))
        return PoolTarget(function: .closure(number)) { engine.releaseClosure(number) }
    }

    static func target<Input, Output>(_ function: PoolFunction<Input, Output>) -> PoolTarget {
        PoolTarget(function: .named(function.name), release: nil)
    }
}
