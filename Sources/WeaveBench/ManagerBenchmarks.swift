import Weave

/// The `manager` suite: get and set round trips on a managed dictionary from one client,
/// over a Unix socket and over TCP loopback, the same workload as
/// `bench/peers/python/manager_bench.py` runs on Python's `Manager().dict()`.
public enum ManagerBenchmarks {
    /// Runs the suite and returns its figures.
    public static func run() throws -> [BenchmarkResult] {
        Multiprocessing.warnsOnMultithreadedFork = false
        return [
            BenchmarkResult(
                name: "manager_dict_unix", value: try dictionaryRoundTrips(at: .temporaryUnix()), unit: .operationsPerSecond),
            BenchmarkResult(
                name: "manager_dict_tcp", value: try dictionaryRoundTrips(at: .tcp(host: "127.0.0.1", port: 0)),
                unit: .operationsPerSecond),
        ]
    }

    /// Round trips per second, best of 3 rounds of about a second: each round reads a value
    /// and writes it back incremented, over and over; every read and every write is one
    /// round trip to the manager process.
    private static func dictionaryRoundTrips(at address: ConnectionAddress) throws -> Double {
        let manager = Manager(address: address)
        try manager.start()
        defer { try? manager.shutdown() }
        let shared: ManagedDictionary<String, Int> = try manager.dictionary()
        try shared.set("key", to: 0)
        var best = 0.0
        for _ in 0..<3 {
            var roundTrips = 0
            let start = BenchmarkClock.now()
            let deadline = start + 1_000_000_000
            var now = start
            while now < deadline {
                for _ in 0..<500 {
                    try shared.set("key", to: (try shared["key"] ?? 0) + 1)
                }
                roundTrips += 1000
                now = BenchmarkClock.now()
            }
            best = max(best, Double(roundTrips) / (Double(now - start) / 1e9))
        }
        return best
    }
}
