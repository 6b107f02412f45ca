import Greenlets

/// `weave bench greenlet`: switch cost, creation cost, and parked greenlets' memory.
enum GreenletBenchmarks {
    static func run() throws -> [BenchmarkResult] {
        var results = [
            BenchmarkResult(name: "switch", value: try switchCost(), unit: .nanoseconds),
            BenchmarkResult(name: "switch_no_value", value: try switchHandingNothingCost(), unit: .nanoseconds),
            BenchmarkResult(name: "create_switch_finish", value: try createSwitchFinish(), unit: .nanoseconds),
            BenchmarkResult(
                name: "create_switch_finish_compact", value: try createSwitchFinish(mode: .compact),
                unit: .nanoseconds),
        ]
        for workload in [
            "greenlet-parked-100k", "greenlet-parked-100k-compact", "greenlet-parked-1m",
            "greenlet-parked-1m-dedicated",
        ] {
            results += try IsolatedWorkloads.run(workload)
        }
        return results
    }

    /// One switch, as half a round trip between two greenlets.
    static func switchCost() throws -> Double {
        let main = Greenlet.current
        let partner = Greenlet { _ in
            while true { try main.switch() }
        }
        let roundTrip = try BenchmarkClock.bestNanosecondsPerIteration(iterations: 2_000_000) { count in
            for _ in 0..<count { try partner.switch() }
        }
        return roundTrip / 2
    }

    /// One switch that hands no value over — the hub's path, without `Any?` to make and
    /// destroy on each side.
    static func switchHandingNothingCost() throws -> Double {
        let main = Greenlet.current
        let partner = Greenlet { _ in
            while true { try main.switchHandingNothing() }
        }
        try partner.switch()
        let roundTrip = try BenchmarkClock.bestNanosecondsPerIteration(iterations: 2_000_000) { count in
            for _ in 0..<count { try partner.switchHandingNothing() }
        }
        return roundTrip / 2
    }

    /// Create a greenlet, switch into it, let it finish.
    static func createSwitchFinish(mode: Greenlet.StackMode = .dedicated) throws -> Double {
        try BenchmarkClock.bestNanosecondsPerIteration(iterations: 500_000) { count in
            for _ in 0..<count {
                try Greenlet(stackMode: mode) { _ in nil }.switch()
            }
        }
    }

    /// Creates `count` greenlets that each start and park; reports the creation time and
    /// the process's peak RSS.
    static func parked(count: Int, mode: Greenlet.StackMode, label: String) throws -> [BenchmarkResult] {
        let main = Greenlet.current
        var parked: [Greenlet] = []
        parked.reserveCapacity(count)
        let elapsed = try BenchmarkClock.measure {
            for _ in 0..<count {
                let greenlet = Greenlet(stackMode: mode) { _ in
                    try main.switch()
                    return nil
                }
                try greenlet.switch()
                parked.append(greenlet)
            }
        }
        let rss = BenchmarkClock.peakResidentMegabytes()
        precondition(parked.allSatisfy(\.isActive), "every parked greenlet is suspended")
        return [
            BenchmarkResult(name: "\(label)_create", value: elapsed / 1e6, unit: .milliseconds),
            BenchmarkResult(name: "\(label)_rss", value: rss, unit: .megabytes),
        ]
    }
}
