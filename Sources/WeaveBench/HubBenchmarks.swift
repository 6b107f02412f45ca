import GreenHub
import Greenlets

/// `weave bench hub`: spawning, yielding, handing values over, timers, and 100k sleepers.
enum HubBenchmarks {
    static func run() throws -> [BenchmarkResult] {
        var results = [
            BenchmarkResult(name: "spawn_join", value: try spawnJoinOneAtATime(), unit: .nanoseconds),
            BenchmarkResult(name: "spawn_join_100k", value: try spawnJoinAllAtOnce(count: 100_000), unit: .nanoseconds),
            BenchmarkResult(name: "sleep0", value: try sleepZero(), unit: .nanoseconds),
            BenchmarkResult(name: "queue_roundtrip", value: try queueRoundTrip(), unit: .nanoseconds),
        ]
        for workload in ["hub-sleepers-100k", "hub-sleepers-100k-dedicated", "hub-timer-lateness"] {
            results += try IsolatedWorkloads.run(workload)
        }
        return results
    }

    /// Spawn a green thread, let it run, join it; one at a time.
    static func spawnJoinOneAtATime() throws -> Double {
        try BenchmarkClock.bestNanosecondsPerIteration(iterations: 200_000) { count in
            for _ in 0..<count {
                try Green.spawn {}.join()
            }
        }
    }

    /// Spawn `count` green threads, then join them all; time per green thread.
    static func spawnJoinAllAtOnce(count: Int) throws -> Double {
        try BenchmarkClock.bestNanosecondsPerIteration(iterations: count, rounds: 3) { count in
            var threads: [AnyGreenThread] = []
            threads.reserveCapacity(count)
            for _ in 0..<count {
                threads.append(Green.spawn {})
            }
            try Green.joinAll(threads)
        }
    }

    /// `Green.sleep(0)` with another green thread ready: time per call.
    static func sleepZero() throws -> Double {
        let iterations = 1_000_000
        var best = Double.infinity
        for _ in 0..<5 {
            let partner = Green.spawn {
                for _ in 0..<iterations { try Green.sleep(0) }
            }
            let elapsed = try BenchmarkClock.measure {
                for _ in 0..<iterations { try Green.sleep(0) }
                try partner.join()
            }
            best = min(best, elapsed / Double(2 * iterations))
        }
        return best
    }

    /// Two green threads pass a token back and forth through two queues: time per round
    /// trip (two puts, two gets, two switches).
    static func queueRoundTrip() throws -> Double {
        let iterations = 200_000
        var best = Double.infinity
        for _ in 0..<5 {
            let ping = GreenQueue<Int>()
            let pong = GreenQueue<Int>()
            let echo = Green.spawn {
                for _ in 0..<iterations { try pong.put(try ping.get()) }
            }
            let elapsed = try BenchmarkClock.measure {
                for token in 0..<iterations {
                    try ping.put(token)
                    _ = try pong.get()
                }
            }
            try echo.join()
            best = min(best, elapsed / Double(iterations))
        }
        return best
    }

    /// 100k green threads each sleeping 0.5 s: wall time from the first spawn to the last
    /// join, and the process's peak RSS.
    static func sleepers(count: Int, mode: Greenlet.StackMode, label: String) throws -> [BenchmarkResult] {
        var threads: [AnyGreenThread] = []
        threads.reserveCapacity(count)
        let elapsed = try BenchmarkClock.measure {
            for _ in 0..<count {
                threads.append(Green.spawn(stackMode: mode) { try Green.sleep(0.5) })
            }
            try Green.joinAll(threads)
        }
        return [
            BenchmarkResult(name: "\(label)_wall", value: elapsed / 1e9, unit: .seconds),
            BenchmarkResult(name: "\(label)_rss", value: BenchmarkClock.peakResidentMegabytes(), unit: .megabytes),
        ]
    }

    /// 10k green threads sleep a random 0–100 ms each; the 99th percentile of how late
    /// they wake, in milliseconds.
    static func timerLateness() throws -> [BenchmarkResult] {
        var generator = SystemRandomNumberGenerator()
        var lateness: [Double] = []
        lateness.reserveCapacity(10_000)
        let threads = (0..<10_000).map { _ -> AnyGreenThread in
            let delay = Double.random(in: 0..<0.1, using: &generator)
            return Green.spawn {
                let start = BenchmarkClock.now()
                try Green.sleep(delay)
                let slept = Double(BenchmarkClock.now() - start) / 1e9
                lateness.append(max(0, slept - delay) * 1000)
            }
        }
        try Green.joinAll(threads)
        lateness.sort()
        return [
            BenchmarkResult(
                name: "timer_p99_late", value: lateness[lateness.count * 99 / 100], unit: .milliseconds)
        ]
    }
}
