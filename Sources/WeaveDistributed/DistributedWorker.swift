import Foundation
import Logging
import Multiprocessing
import PostgresNIO
import Synchronization

/// The worker side of a distributed pool: claims tasks from PostgreSQL and runs them in
/// local worker processes, by the names of the functions this program registered.
///
/// Run the same program on every machine, each given the database's URL:
///
/// ```swift
/// let square = PoolFunction<Int, Int>("square") { $0 * $0 }
///
/// @main struct Worker {
///     static func main() async throws {
///         Multiprocessing.register(square)
///         let worker = try DistributedWorker(url: "postgres://weave@db.internal/jobs", processes: 8)
///         await worker.runUntilStopped()
///     }
/// }
/// ```
///
/// ## How tasks flow
/// The worker keeps one connection to the database. It listens for new tasks (a trigger
/// notifies the `weave_tasks` channel) and also polls every `pollInterval`. It claims up to
/// `batchSize` tasks in one statement (`FOR UPDATE SKIP LOCKED`, so workers never claim
/// the same task), hands them to its local ``/Multiprocessing/WorkerPool``-style
/// processes in one batch per process, and records the outcomes in one statement per
/// kind. Each claim carries a lease that a heartbeat renews every `heartbeatInterval`;
/// every worker (and every pool) returns expired leases to the queue, so the tasks of a
/// machine that died run elsewhere within about one lease.
///
/// A function that throws is retried after `retryBackoff`, doubling, until `maxAttempts`;
/// a function this program never registered, or whose types do not match the caller's,
/// fails its task at once. Nothing read from the database runs as code: the function is
/// looked up by name among this program's registrations. A process that dies running a
/// batch charges none of it: each of its tasks runs again alone, so only a task that kills
/// its process again pays an attempt.
///
/// When the database goes away, the worker reconnects with a growing delay and records
/// the outcomes it kept meanwhile; a claim whose lease ran out meanwhile has been claimed
/// again, and the stale outcome is dropped, so each task keeps one result.
///
/// Register every function before making the worker: its processes are forked then, and
/// know the functions registered at that moment.
public final class DistributedWorker: Sendable {
    /// The worker's name in the database's `worker` column: `host:pid:suffix`.
    public let id: String
    /// The configuration it runs with.
    public let configuration: DistributedConfiguration
    private let logger: Logger
    private let pool: DrivenWorkerPool
    private let processes: Int
    private let state = DistributedWorkerState()
    private let signal = LoopSignal()

    /// Starts `processes` local worker processes (fork) that will run the tasks this
    /// worker claims once ``runUntilStopped()`` runs.
    ///
    /// - Parameters:
    ///   - configuration: The database and the lease, retry and poll settings.
    ///   - processes: How many worker processes; by default one per processor.
    ///   - logger: Where connection events (debug), reconnections (warning) and reaped
    ///     leases (warning) go.
    /// - Throws: ``DistributedError`` `invalidConfiguration` for settings that cannot work;
    ///   `MultiprocessingError` when the processes cannot start.
    public init(
        configuration: DistributedConfiguration, processes: Int? = nil,
        logger: Logger = Logger(label: "weave.distributed.worker")
    ) throws {
        self.configuration = try configuration.validated()
        self.logger = logger
        self.processes = processes ?? Multiprocessing.cpuCount
        guard self.processes >= 1 else {
            throw DistributedError(.invalidConfiguration, "a worker needs at least 1 process, not \(self.processes)")
        }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        id = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
        Multiprocessing.register(DistributedBatch.runner)
        pool = try DrivenWorkerPool(processes: self.processes, maxTasksPerChild: nil, initializer: nil)
    }

    /// A worker for the database at `url` (see ``DistributedConfiguration/init(url:)``).
    public convenience init(url: String, processes: Int? = nil, logger: Logger = Logger(label: "weave.distributed.worker"))
        throws {
        try self.init(configuration: DistributedConfiguration(url: url), processes: processes, logger: logger)
    }

    deinit {
        pool.terminate()
    }

    /// Claims and runs tasks until ``stop()`` (then it finishes and records the tasks it
    /// holds, and returns) or until the calling task is cancelled (then it returns at
    /// once, and the tasks it held run elsewhere once their leases run out). Call it once,
    /// from async code; ``run()``, the `Service` form, also stops on a graceful shutdown.
    public func runUntilStopped() async {
        logger.info("distributed worker started", metadata: ["worker": "\(id)", "processes": "\(processes)"])
        let tick = configuration.pollInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [signal] in
                while (try? await Task.sleep(for: tick)) != nil { signal.signal() }
            }
            group.addTask { [self] in
                await DistributedSession.run(
                    configuration, channel: DistributedSchema.workChannel, signal: signal, logger: logger,
                    isFinished: { [state] in state.isDrained }
                ) { connection in
                    try await self.serve(connection)
                }
            }
            _ = await group.next()
            group.cancelAll()
        }
        pool.shutdown(wait: false)
        logger.info("distributed worker stopped", metadata: ["worker": "\(id)"])
    }

    /// Makes ``runUntilStopped()`` stop claiming, finish the tasks it holds, record them and return.
    /// While the database is unreachable it keeps those outcomes and returns only once it
    /// has recorded them after reconnecting; cancel its task to give up on them instead
    /// (their leases then run out and they run elsewhere). Any thread may call it.
    public func stop() {
        state.stop()
        signal.signal()
    }

    /// The loop on one connection, beside a heartbeat of its own (so that a long claim or
    /// record never delays a lease's renewal); returns once stopped and drained.
    private func serve(_ connection: PostgresConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.keepLeases(on: connection) }
            group.addTask { try await self.claimAndRecord(on: connection) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func claimAndRecord(on connection: PostgresConnection) async throws {
        let capacity = configuration.batchSize * 2
        while true {
            try DistributedSession.checkOpen(connection)
            try await recordOutcomes(on: connection)
            if state.isDrained { throw CancellationError() }
            let room = capacity - state.inFlight
            if !state.isStopping && room >= configuration.batchSize {
                let claimed = try await DistributedQueries.claim(
                    queue: configuration.queue, worker: id, limit: configuration.batchSize, lease: configuration.lease,
                    on: connection, logger: logger)
                if !claimed.isEmpty {
                    DistributedMetrics.claimed.increment(by: claimed.count)
                    dispatch(claimed)
                    continue
                }
            }
            guard await signal.wait() else { throw CancellationError() }
        }
    }

    private func recordOutcomes(on connection: PostgresConnection) async throws {
        let outcomes = state.takeOutcomes()
        guard !outcomes.isEmpty else { return }
        do {
            try await DistributedQueries.record(
                outcomes, worker: id, backoff: configuration.retryBackoff, on: connection, logger: logger)
        } catch {
            state.restore(outcomes)
            throw error
        }
        var done = 0
        for outcome in outcomes {
            if case .output = outcome.kind { done += 1 }
        }
        DistributedMetrics.done.increment(by: done)
        DistributedMetrics.failed.increment(by: outcomes.count - done)
    }

    /// Every heartbeat interval: renews this worker's leases, and returns everyone's
    /// expired ones.
    private func keepLeases(on connection: PostgresConnection) async throws {
        while true {
            try DistributedSession.checkOpen(connection)
            try await DistributedQueries.heartbeat(worker: id, lease: configuration.lease, on: connection, logger: logger)
            try await DistributedReaper.reap(on: connection, logger: logger)
            try await Task.sleep(for: configuration.heartbeatInterval)
        }
    }

    /// Hands claimed tasks to the worker processes: per function, one batch per process.
    private func dispatch(_ claimed: [ClaimedTask]) {
        state.dispatched(claimed.count)
        let byFunction = Dictionary(grouping: claimed, by: \.function)
        for (function, tasks) in byFunction {
            let share = (tasks.count + processes - 1) / processes
            for start in stride(from: 0, to: tasks.count, by: share) {
                submit(function: function, Array(tasks[start..<min(start + share, tasks.count)]))
            }
        }
    }

    private func submit(function: String, _ tasks: [ClaimedTask]) {
        let batch = DistributedBatch(function: function, inputs: tasks.map(\.input))
        let state = state, signal = signal
        do {
            try pool.submit(DistributedBatch.runner, batch, start: { true }) { [self] result in
                if tasks.count > 1, case .failure(let error) = result, (error as? MultiprocessingError)?.code == .workerDied {
                    // One task may have killed the process: charge none of the batch, and run
                    // each task alone, so that only the one that kills again pays an attempt.
                    logger.warning(
                        "a worker process died running a batch; its tasks run again one by one",
                        metadata: ["function": "\(function)", "tasks": "\(tasks.count)", "error": "\(error)"])
                    for task in tasks { submit(function: function, [task]) }
                    return
                }
                state.finished(Self.outcomes(of: tasks, result))
                signal.signal()
            }
        } catch {
            state.finished(Self.outcomes(of: tasks, .failure(error)))
            signal.signal()
        }
    }

    private static func outcomes(
        of tasks: [ClaimedTask], _ result: Result<[DistributedBatch.ItemOutcome], any Error>
    ) -> [AttemptOutcome] {
        switch result {
        case .success(let items) where items.count == tasks.count:
            return zip(tasks, items).map { task, item in
                let kind: AttemptOutcome.Kind
                if let output = item.output {
                    kind = .output(output)
                } else {
                    let message = item.error ?? "the function failed"
                    switch item.final {
                    case "unknown_function": kind = .final(.unknownFunction, message)
                    case "mismatched_types": kind = .final(.mismatchedTypes, message)
                    default: kind = .retryable(message)
                    }
                }
                return AttemptOutcome(id: task.id, attempt: task.attempt, kind: kind)
            }
        case .success(let items):
            let message = "a worker process returned \(items.count) outcomes for \(tasks.count) tasks"
            return tasks.map { AttemptOutcome(id: $0.id, attempt: $0.attempt, kind: .retryable(message)) }
        case .failure(let error):
            return tasks.map { AttemptOutcome(id: $0.id, attempt: $0.attempt, kind: .retryable("\(error)")) }
        }
    }
}
