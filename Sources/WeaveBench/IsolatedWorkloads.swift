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
        return try workload().map { "\($0.name)\t\($0.value)\t\($0.unit.rawValue)" }.joined(separator: "\n")
    }

    /// Runs workload `name` in a fresh copy of this executable and reads its results.
    static func run(_ name: String) throws -> [BenchmarkResult] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        #if os(macOS)
        child.executableURL = Bundle.main.executableURL
        #endif
        child.arguments = ["bench-workload", name]
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw BenchmarkError.workloadFailed(name, "exit status \(child.terminationStatus)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            guard fields.count == 3, let value = Double(fields[1]),
                let unit = BenchmarkResult.Unit(rawValue: String(fields[2]))
            else { throw BenchmarkError.workloadFailed(name, "unreadable line '\(line)'") }
            return BenchmarkResult(name: String(fields[0]), value: value, unit: unit)
        }
    }
}
