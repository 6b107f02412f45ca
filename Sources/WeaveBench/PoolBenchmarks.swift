import Weave

/// The `pool` suite: process pools, the same workloads as
/// `bench/peers/python/pool_bench.py` runs on `multiprocessing.Pool` and
/// `ProcessPoolExecutor`.
public enum PoolBenchmarks {
    private static let double = PoolFunction<Int, Int>("bench.pool.double") { 2 * $0 }

    /// Runs the suite and returns its figures.
    public static func run() throws -> [BenchmarkResult] {
        Multiprocessing.warnsOnMultithreadedFork = false
        Multiprocessing.register(double)
        let inProcess = [
            BenchmarkResult(name: "pool_map_auto", value: try poolMap(tasks: 1_000_000, chunkSize: nil), unit: .operationsPerSecond),
            BenchmarkResult(name: "pool_map_chunk1", value: try poolMap(tasks: 50_000, chunkSize: 1), unit: .operationsPerSecond),
            BenchmarkResult(name: "pool_apply_roundtrip", value: try applyRoundTrip(iterations: 2_000) / 1e3, unit: .microseconds),
            BenchmarkResult(name: "pool_apply_new_closure", value: try applyNewClosure(iterations: 100) / 1e3, unit: .microseconds),
            BenchmarkResult(name: "executor_submit_roundtrip", value: try submitRoundTrip(iterations: 2_000) / 1e3, unit: .microseconds),
            BenchmarkResult(name: "pool_cpu_speedup", value: try cpuSpeedup(), unit: .ratio, lowerIsBetter: false),
        ]
        return inProcess + (try IsolatedWorkloads.run("pool-imap-10m"))
    }

    /// Tiny tasks (doubling an `Int`) per second through `ProcessPool.map` with 2 workers
    /// started beforehand; best of 3 calls.
    static func poolMap(tasks: Int, chunkSize: Int?) throws -> Double {
        let pool = try ProcessPool(processes: 2) { (n: Int) in 2 * n }
        defer { pool.terminate() }
        let inputs = Array(0..<tasks)
        var best = Double.infinity
        for _ in 0..<3 {
            var outputs: [Int] = []
            let elapsed = try BenchmarkClock.measure { outputs = try pool.map(inputs, chunkSize: chunkSize) }
            try check(outputs.count == tasks && outputs.last == 2 * (tasks - 1), "the pool returned \(outputs.count) of \(tasks) outputs")
            best = min(best, elapsed)
        }
        return Double(tasks) / (best / 1e9)
    }

    /// Nanoseconds per `apply` of the pool's own function, 2 workers.
    private static func applyRoundTrip(iterations: Int) throws -> Double {
        let pool = try ProcessPool(processes: 2) { (n: Int) in 2 * n }
        defer { pool.terminate() }
        return try BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations) { count in
            for n in 0..<count { try check(try pool.apply(n) == 2 * n, "apply(\(n)) came back wrong") }
        }
    }

    /// Nanoseconds per `apply` of a closure the workers have not seen (each call captures a
    /// new value): what forking a worker for it costs, with the oldest worker leaving.
    private static func applyNewClosure(iterations: Int) throws -> Double {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        return try BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations, rounds: 3) { count in
            for n in 0..<count { try check(try pool.apply { 2 * n } == 2 * n, "apply of closure \(n) came back wrong") }
        }
    }

    /// Nanoseconds per `ProcessPoolExecutor.submit` of a registered function and `get` of
    /// its future, 2 workers.
    private static func submitRoundTrip(iterations: Int) throws -> Double {
        let executor = try ProcessPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        return try BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations) { count in
            for n in 0..<count {
                try check(try executor.submit(double, n).get() == 2 * n, "submit(\(n)) came back wrong")
            }
        }
    }

    /// A CPU-bound map (counting primes by trial division) on 2 workers, as a speed-up over
    /// the same work run serially in this process. Each task takes a few milliseconds, as
    /// the Python peer's do with a tenth of the limit. Serial and parallel runs alternate,
    /// three of each, and the best of each is compared, so that a moment when this virtual
    /// machine's other processor is taken away (it happens, for seconds) skews neither side.
    private static func cpuSpeedup() throws -> Double {
        let inputs = Array(repeating: 60_000, count: 64)
        let pool = try ProcessPool(processes: 2, function: countPrimes)
        defer { pool.terminate() }
        var bestSerial = Double.infinity
        var bestParallel = Double.infinity
        for _ in 0..<3 {
            var serial: [Int] = []
            bestSerial = min(bestSerial, BenchmarkClock.measure { serial = inputs.map(countPrimes) })
            var parallel: [Int] = []
            bestParallel = min(bestParallel, try BenchmarkClock.measure { parallel = try pool.map(inputs, chunkSize: 1) })
            try check(parallel == serial, "the pool counted primes differently")
        }
        return bestSerial / bestParallel
    }

    /// How many primes are below `limit`, by trial division: a few milliseconds of work.
    @Sendable static func countPrimes(below limit: Int) -> Int {
        var count = 0
        for candidate in 2..<limit {
            var divisor = 2
            var prime = true
            while divisor * divisor <= candidate {
                if candidate % divisor == 0 {
                    prime = false
                    break
                }
                divisor += 1
            }
            if prime { count += 1 }
        }
        return count
    }

    /// Peak RSS growth, in megabytes, of `imap` over 10M inputs generated lazily, 2 workers.
    /// Run in a process of its own, so that the peak is this workload's.
    static func imapResidentGrowth() throws -> [BenchmarkResult] {
        Multiprocessing.warnsOnMultithreadedFork = false
        let pool = try ProcessPool(processes: 2) { (n: Int) in 2 * n }
        defer { pool.terminate() }
        let before = BenchmarkClock.peakResidentMegabytes()
        let count = 10_000_000
        var total = 0
        for result in try pool.imap((0..<count).lazy.map { $0 }, chunkSize: 1000) { total &+= try result.get() }
        try check(total == count * (count - 1), "imap's outputs add up to \(total)")
        return [BenchmarkResult(name: "imap_10m_rss", value: BenchmarkClock.peakResidentMegabytes() - before, unit: .megabytes)]
    }

    private static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        guard condition else { throw MultiprocessingError(.invalidArgument, context: message()) }
    }
}
