import Executors
import Logging
import Multiprocessing
import PostgresNIO
import WeaveDurations

/// A pool whose workers are processes on other machines, reached through PostgreSQL: the
/// process pool's calls on registered functions (`map`, `imap`, `imapUnordered`, `apply`,
/// `applyAsync`, `submit`), with tasks stored in the database until a
/// ``DistributedWorker`` runs them.
///
/// ```swift
/// let square = PoolFunction<Int, Int>("square") { $0 * $0 }
/// let pool = try DistributedPool(url: "postgres://weave@db.internal/jobs")
/// defer { pool.close() }
/// print(try pool.map([1, 2, 3], square))  // [1, 4, 9], computed by the workers
/// ```
///
/// The pool needs the function's name and types only; the workers register and run it.
///
/// ## Callers
/// Any thread may call the pool. Submitting never waits for the database: it queues the
/// task, and the pool's own loop (a Swift task whose connection runs on postgres-nio's
/// event loops, or on a hub's loop given to ``init(configuration:eventLoop:logger:)``) stores queued
/// tasks in batches, takes results back when the workers' triggers notify it (or every
/// `pollInterval`) and completes each task's ``/Executors/PoolFuture``. So plain code blocks
/// its thread on a future, a greenlet suspends only itself (its hub runs the others), and
/// async code awaits.
///
/// ## Guarantees
/// Every submitted task runs at least once and its future gets exactly one outcome. A task
/// is stored once even when the reply to its insert is lost. While the database is down
/// the futures stay pending; the loop reconnects (with a growing delay, logged as a
/// warning), stores what is queued and collects what finished meanwhile. A task whose
/// function keeps throwing fails with a ``DistributedTaskError`` once `maxAttempts` are
/// used. Finished rows are deleted as their results are taken; failed rows stay for
/// inspection until ``purgeFinishedTasks(olderThan:)-(Double)``. A future cannot be cancelled: once
/// submitted, the task is the database's, and `cancel()` returns false.
public final class DistributedPool: Sendable {
    /// The configuration it runs with.
    public let configuration: DistributedConfiguration
    /// The pool's name in the database's `caller` column, and the suffix of its
    /// notification channel `weave_done_<caller>`.
    public let caller: String
    private let logger: Logger
    private let state = DistributedPoolState()
    private let signal = LoopSignal()
    private let loop: Task<Void, Never>

    /// Makes a pool and starts its loop, which connects in the background.
    /// - Parameters:
    ///   - configuration: The database and the retry and poll settings.
    ///   - eventLoop: The event loop the pool's connection runs on; `nil` (the default)
    ///     uses postgres-nio's shared loops, which suits a pool shared by threads. A green
    ///     program may pass its hub's loop (`Hub.current.eventLoop`), as gevent keeps a
    ///     program's I/O on its hub: the database traffic then runs on the hub's thread
    ///     between greenlets. Such a pool is waited on from that hub's greenlets, since
    ///     plain code blocking the hub's thread would stall the pool's own I/O, and is
    ///     closed before the hub stops.
    ///   - logger: Where connection events (debug), reconnections (warning) and reaped
    ///     leases (warning) go.
    /// - Throws: ``DistributedError`` `invalidConfiguration` for settings that cannot work.
    public init(
        configuration: DistributedConfiguration, eventLoop: (any EventLoop)? = nil,
        logger: Logger = Logger(label: "weave.distributed.pool")
    ) throws {
        let configuration = try configuration.validated()
        let caller = (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined(separator: "_")
        self.configuration = configuration
        self.caller = caller
        self.logger = logger
        loop = Task { [state, signal] in
            await DistributedPoolLoop(
                configuration: configuration, caller: caller, eventLoop: eventLoop, state: state, signal: signal,
                logger: logger
            ).run()
        }
    }

    /// A pool for the database at `url` (see ``DistributedConfiguration/init(url:)``).
    public convenience init(url: String, logger: Logger = Logger(label: "weave.distributed.pool")) throws {
        try self.init(configuration: DistributedConfiguration(url: url), logger: logger)
    }

    deinit {
        close()
    }

    /// Stops the pool's loop and fails its unfinished futures with ``DistributedError``
    /// `closed`. Tasks already stored still run on the workers; their results stay in the
    /// table until ``purgeFinishedTasks(olderThan:)-(Double)`` removes them. Calling it again does
    /// nothing more. Any thread may call it.
    public func close() {
        state.close(with: DistributedError(.closed, "the distributed pool was closed before the task finished"))
        signal.finish()
        loop.cancel()
    }

    /// Queues `function(input)` and returns its future at once (`executor.submit(fn, x)`).
    /// - Throws: ``DistributedError`` `codingFailed` when the input does not encode,
    ///   `closed` after ``close()``.
    public func submit<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) throws -> PoolFuture<Output> {
        let encoded: [UInt8]
        do {
            encoded = try BinaryCodableEncoder().encode(input)
        } catch {
            throw DistributedError(.codingFailed, "the input of \(function.name) does not encode: \(error)")
        }
        let future = PoolFuture<Output>()
        _ = future.markRunning()
        try state.submit(function: function.name, input: encoded) { result in
            future.complete(with: result.flatMap { bytes in
                Result {
                    do {
                        return try BinaryCodableDecoder().decode(Output.self, from: bytes)
                    } catch {
                        throw DistributedError(
                            .codingFailed, "the output of \(function.name) does not decode as \(Output.self): \(error)")
                    }
                }
            })
        }
        signal.signal()
        return future
    }

    /// Deletes this pool's queue's failed tasks, and the results that no pool took back
    /// (their pool closed or died before the task finished), last changed more than `age`
    /// seconds ago, over a connection of its own; returns how many. A live pool takes its
    /// results within moments of their recording, so pick an age well above any outage
    /// its pools should survive (an hour, say). Call it from async code, from time to
    /// time, or from a scheduled job.
    /// - Throws: postgres-nio's errors when the database cannot be reached.
    @DurationOverload
    public func purgeFinishedTasks(olderThan age: Double) async throws -> Int {
        let connection = try await PostgresConnection.connect(
            configuration: try configuration.connectionConfiguration(), id: 0, logger: logger)
        do {
            let purged = try await DistributedQueries.purgeFinished(
                queue: configuration.queue, olderThan: .seconds(age), on: connection, logger: logger)
            try await connection.close()
            return purged
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
