import Dispatch
import Foundation
import Logging
import PostgresNIO
import Weave
import WeaveDistributed

/// The `distributed` suite: the distributed pool over a private PostgreSQL started for the
/// run (fsync off, as the tests run it), with 2 worker processes; the same workloads as
/// the Celery and Ray scripts under `bench/peers/python`.
public enum DistributedBenchmarks {
    private static let noop = PoolFunction<Int, Int>("bench.distributed.noop") { $0 }
    /// Hangs (an hour) in a worker process whose parent is the given pid; returns at once
    /// elsewhere: a task that only a killed machine's worker would hold.
    private static let hangIn = PoolFunction<Int32, Int32>("bench.distributed.hang-in") { machine in
        if getppid() == machine { sleep(3600) }
        return machine
    }
    private static let machine = SpawnEntryPoint<String>("bench.distributed.machine") { socketDirectory in
        Multiprocessing.warnsOnMultithreadedFork = false
        let worker = try DistributedWorker(configuration: configuration(socketDirectory), processes: 1)
        let done = DispatchSemaphore(value: 0)
        Task {
            await worker.runUntilStopped()
            done.signal()
        }
        done.wait()
    }

    /// Registers the suite's functions and spawn entry point. The `weave` tool calls it
    /// before `Multiprocessing.bootstrapIfChild()` at the top of `main`.
    public static func registerSpawnEntryPoints() {
        Multiprocessing.register(noop)
        Multiprocessing.register(hangIn)
        Multiprocessing.register(machine)
    }

    /// Runs the suite and returns its figures.
    public static func run() throws -> [BenchmarkResult] {
        registerSpawnEntryPoints()
        Multiprocessing.bootstrapIfChild()
        Multiprocessing.warnsOnMultithreadedFork = false
        let server = try BenchPostgres()
        defer { server.stop() }
        let configuration = configuration(server.directory)
        let recovery = try killRecovery(configuration, socketDirectory: server.directory)
        let worker = try DistributedWorker(configuration: configuration, processes: 2, logger: quiet)
        let working = Task { await worker.runUntilStopped() }
        defer {
            worker.stop()
            working.cancel()
        }
        let pool = try DistributedPool(configuration: configuration, logger: quiet)
        defer { pool.close() }
        return [
            BenchmarkResult(name: "distributed_tiny_tasks", value: try tinyTasks(pool, tasks: 20_000), unit: .operationsPerSecond),
            BenchmarkResult(name: "distributed_roundtrip", value: try roundTrip(pool, iterations: 200) / 1e3, unit: .microseconds),
            BenchmarkResult(name: "distributed_worker_kill_recovery", value: recovery, unit: .seconds),
        ]
    }

    private static let quiet = Logger(label: "weave.bench.distributed") { _ in SwiftLogNoOpLogHandler() }

    private static func configuration(_ socketDirectory: String) -> DistributedConfiguration {
        var configuration = DistributedConfiguration(socketDirectory: socketDirectory, username: "postgres", database: "postgres")
        configuration.batchSize = 1024
        return configuration
    }

    /// No-op tasks per second through `map` over 2 worker processes; best of 3 calls.
    private static func tinyTasks(_ pool: DistributedPool, tasks: Int) throws -> Double {
        let inputs = Array(0..<tasks)
        _ = try pool.map(inputs.prefix(1000), noop)
        var best = Double.infinity
        for _ in 0..<3 {
            var outputs: [Int] = []
            let elapsed = try BenchmarkClock.measure { outputs = try pool.map(inputs, noop) }
            try check(outputs == inputs, "the distributed pool returned \(outputs.count) of \(tasks) outputs")
            best = min(best, elapsed)
        }
        return Double(tasks) / (best / 1e9)
    }

    /// Nanoseconds from submitting one task to holding its result (best round of 3).
    private static func roundTrip(_ pool: DistributedPool, iterations: Int) throws -> Double {
        try BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations, rounds: 3) { count in
            for n in 0..<count { try check(try pool.apply(noop, n) == n, "apply(\(n)) came back wrong") }
        }
    }

    /// Seconds from SIGKILLing a worker machine that holds a task to the task's result
    /// arriving from another worker: the lease running out, the reaper, a new claim.
    private static func killRecovery(_ configuration: DistributedConfiguration, socketDirectory: String) throws -> Double {
        let victim = ChildProcess(
            name: "bench-machine", daemon: true, startMethod: .spawn, entryPoint: machine,
            arguments: socketDirectory)
        try victim.start()
        defer { _ = try? victim.kill() }
        let pool = try DistributedPool(configuration: configuration, logger: quiet)
        defer { pool.close() }
        let future = try pool.submit(hangIn, victim.pid ?? 0)
        try waitUntilRunning(configuration)
        try victim.kill()
        _ = try victim.join(timeout: 10)
        let killed = ContinuousClock.now
        let rescuer = try DistributedWorker(configuration: configuration, processes: 1, logger: quiet)
        let rescuing = Task { await rescuer.runUntilStopped() }
        defer {
            rescuer.stop()
            rescuing.cancel()
        }
        _ = try future.get(timeout: 60)
        return (ContinuousClock.now - killed).weaveSeconds
    }

    /// Waits until a worker holds a task.
    private static func waitUntilRunning(_ configuration: DistributedConfiguration) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try runningTasks(configuration) > 0 { return }
            usleep(20_000)
        }
        throw BenchmarkError.workloadFailed("distributed", "no worker machine claimed the task within 60 s")
    }

    /// How many tasks are running; 0 while no pool or worker has created the table yet.
    private static func runningTasks(_ configuration: DistributedConfiguration) throws -> Int {
        let result = BlockingResult<Int>()
        Task {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: .init(unixSocketPath: configuration.unixSocketPath ?? "", username: "postgres",
                                         password: nil, database: "postgres"),
                    id: 1, logger: quiet)
                var count = 0
                do {
                    for try await row in try await connection.query(
                        "SELECT count(*) FROM weave_tasks WHERE state = 'running'", logger: quiet).decode(Int.self) {
                        count = row
                    }
                } catch let error as PSQLError where error.code == .server {
                    count = 0
                }
                try await connection.close()
                result.set(.success(count))
            } catch {
                result.set(.failure(error))
            }
        }
        return try result.get()
    }

    private static func check(_ condition: Bool, _ message: String) throws {
        guard condition else { throw BenchmarkError.workloadFailed("distributed", message) }
    }
}

/// A result an async task hands to the thread that blocks for it.
private final class BlockingResult<Value: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) {
        self.result = result
        ready.signal()
    }

    func get() throws -> Value {
        ready.wait()
        return try result!.get()
    }
}
