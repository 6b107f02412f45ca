import Foundation

/// Workloads that run in a process of their own (`weave bench-workload NAME`), so that the
/// peak resident set size they report is theirs alone.
public enum IsolatedWorkloads {
    /// The workloads by name; each returns its results.
    static let all: [String: @Sendable () throws -> [BenchmarkResult]] = [
        "greenlet-parked-100k": { try GreenletBenchmarks.parked(count: 100_000, mode: .dedicated, label: "parked_100k") },
        "greenlet-parked-100k-compact": {
            try GreenletBenchmarks.parked(count: 100_000, mode: .compact, label: "parked_100k_compact")
        },
        "greenlet-parked-1m": { try GreenletBenchmarks.parked(count: 1_000_000, mode: .compact, label: "parked_1m") },
        "greenlet-parked-1m-dedicated": {
            try GreenletBenchmarks.parked(count: 1_000_000, mode: .dedicated, label: "parked_1m_dedicated")
        },
        "hub-sleepers-100k": { try HubBenchmarks.sleepers(count: 100_000, mode: .compact, label: "sleepers_100k") },
        "hub-sleepers-100k-dedicated": {
            try HubBenchmarks.sleepers(count: 100_000, mode: .dedicated, label: "sleepers_100k_dedicated")
        },
        "hub-timer-lateness": { try HubBenchmarks.timerLateness() },
        "process-fork-after-greenlets": { try ProcessBenchmarks.startJoinForkAfterGreenlets() },
        "pool-imap-10m": { try PoolBenchmarks.imapResidentGrowth() },
    ]

    /// Runs workload `name` in this process and returns its results as lines of
    /// `name<TAB>value<TAB>unit`, the form `run(_:)` reads back.
    public static func runHere(_ name: String) throws -> String {
        guard let workload = all[name] else { throw BenchmarkError.unknownSuite(name) }
        return BenchmarkReport(suite: name, results: try workload()).lines
    }

    /// Runs workload `name` in a fresh copy of this executable and reads its results.
    static func run(_ name: String) throws -> [BenchmarkResult] {
        #if os(macOS)
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        #else
        let executable = URL(fileURLWithPath: "/proc/self/exe")
        #endif
        return try ChildRun.results(of: executable, arguments: ["bench-workload", name], name: name)
    }
}
