import Weave

/// The `process` suite: process start-up, queues, pipes and cross-process locks, the
/// same workloads as `bench/peers/python/multiprocessing_bench.py`.
public enum ProcessBenchmarks {
    private static let noop = SpawnEntryPoint<Int>("bench.process.noop") { _ in }

    /// Registers the suite's spawn entry points. The `weave` tool calls it before
    /// `Multiprocessing.bootstrapIfChild()` at the top of `main`; `run()` calls both too,
    /// so a spawned child that reaches the suite bootstraps there.
    public static func registerSpawnEntryPoints() {
        Multiprocessing.register(noop)
    }

    /// Runs the suite and returns its figures.
    public static func run() throws -> [BenchmarkResult] {
        registerSpawnEntryPoints()
        Multiprocessing.bootstrapIfChild()
        Multiprocessing.warnsOnMultithreadedFork = false
        let inProcess = [
            BenchmarkResult(name: "start_join_fork", value: try startJoin(.fork, iterations: 200) / 1e6, unit: .milliseconds),
            BenchmarkResult(name: "start_join_spawn", value: try startJoin(.spawn, iterations: 30) / 1e6, unit: .milliseconds),
            BenchmarkResult(name: "queue_1to1", value: try queueThroughput(pairs: 1, messages: 400_000), unit: .operationsPerSecond),
            BenchmarkResult(name: "queue_4to4", value: try queueThroughput(pairs: 4, messages: 400_000), unit: .operationsPerSecond),
            BenchmarkResult(name: "pipe_1mib", value: try pipeThroughput(messages: 1000), unit: .gigabytesPerSecond),
            BenchmarkResult(name: "locked_counter", value: try lockedCounter(increments: 200_000), unit: .operationsPerSecond),
        ]
        return inProcess + (try IsolatedWorkloads.run("process-fork-after-greenlets"))
    }

    /// Milliseconds to fork and join a child after 100k greenlets ran and finished: what
    /// their stacks leave mapped, every later fork copies the page tables of. Run in a
    /// process of its own, so that nothing else has grown it.
    static func startJoinForkAfterGreenlets() throws -> [BenchmarkResult] {
        registerSpawnEntryPoints()
        Multiprocessing.warnsOnMultithreadedFork = false
        let main = Greenlet.current
        var greenlets = (0..<100_000).map { _ in Greenlet { _ in try main.switch() } }
        for greenlet in greenlets { try greenlet.switch() }
        for greenlet in greenlets { try greenlet.switch() }
        greenlets.removeAll()
        let nanoseconds = try startJoin(.fork, iterations: 50)
        return [BenchmarkResult(name: "start_join_fork_after_100k_greenlets", value: nanoseconds / 1e6, unit: .milliseconds)]
    }

    /// Nanoseconds to start a child that does nothing and join it.
    private static func startJoin(_ method: StartMethod, iterations: Int) throws -> Double {
        try BenchmarkClock.bestNanosecondsPerIteration(iterations: iterations, rounds: 3) { count in
            for _ in 0..<count {
                let child = ChildProcess(startMethod: method, entryPoint: noop, arguments: 0)
                try child.start()
                try child.join()
                guard child.exitCode == 0 else {
                    throw MultiprocessingError(
                        .notSpawnChild,
                        context: "benchmark child exited with \(child.exitCode ?? -1); is bootstrapIfChild() at the top of main?")
                }
            }
        }
    }

    /// Small messages (`Int`) per second from `pairs` producers to `pairs` consumers.
    private static func queueThroughput(pairs: Int, messages: Int) throws -> Double {
        let queue = try ProcessQueue<Int>()
        let perProducer = messages / pairs
        let producers = (0..<pairs).map { _ in
            ChildProcess(startMethod: .fork) { for i in 0..<perProducer { try queue.put(i) } }
        }
        let consumers = (0..<pairs).map { _ in
            ChildProcess(startMethod: .fork) { for _ in 0..<perProducer { _ = try queue.get() } }
        }
        let elapsed = try BenchmarkClock.measure {
            for process in consumers + producers { try process.start() }
            for process in producers + consumers { try process.join() }
        }
        return Double(perProducer * pairs) / (elapsed / 1e9)
    }

    /// Gigabytes per second of 1 MiB messages through a one-way `ProcessPipe`.
    private static func pipeThroughput(messages: Int) throws -> Double {
        let size = 1 << 20
        let (reader, writer) = try ProcessPipe.make(duplex: false)
        let payload = [UInt8](repeating: 7, count: size)
        var buffer = [UInt8](repeating: 0, count: size)
        let sender = ChildProcess(startMethod: .fork) {
            reader.close()
            for _ in 0..<messages { try writer.sendBytes(payload) }
        }
        let elapsed = try BenchmarkClock.measure {
            try sender.start()
            writer.close()
            for _ in 0..<messages {
                _ = try buffer.withUnsafeMutableBytes { try reader.receiveBytes(into: $0) }
            }
            try sender.join()
        }
        return Double(messages * size) / elapsed
    }

    /// Increments per second of a shared counter under a cross-process lock, 2 processes.
    private static func lockedCounter(increments: Int) throws -> Double {
        let counter = try SharedValue<Int>(0)
        let workers = (0..<2).map { _ in
            ChildProcess(startMethod: .fork) { for _ in 0..<increments { try counter.withLock { $0 += 1 } } }
        }
        let elapsed = try BenchmarkClock.measure {
            for worker in workers { try worker.start() }
            for worker in workers { try worker.join() }
        }
        guard counter.value == 2 * increments else {
            throw MultiprocessingError(.invalidArgument, context: "lost increments: \(counter.value) of \(2 * increments)")
        }
        return Double(2 * increments) / (elapsed / 1e9)
    }
}
