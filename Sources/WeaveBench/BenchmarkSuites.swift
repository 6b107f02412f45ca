/// The suites `weave bench` knows, by name.
public enum BenchmarkSuites {
    /// The suite names, in the order `weave bench` lists them.
    public static let names = ["greenlet", "hub", "process", "pool", "net", "manager", "patch", "distributed"]

    /// Runs the suite called `name`.
    public static func run(_ name: String) throws -> BenchmarkReport {
        switch name {
        case "greenlet":
            return BenchmarkReport(suite: name, results: try GreenletBenchmarks.run())
        case "hub":
            return BenchmarkReport(suite: name, results: try HubBenchmarks.run())
        case "process":
            return BenchmarkReport(suite: name, results: try ProcessBenchmarks.run())
        case "pool":
            return BenchmarkReport(suite: name, results: try PoolBenchmarks.run())
        case "net":
            return BenchmarkReport(suite: name, results: try NetBenchmarks.run())
        case "manager":
            return BenchmarkReport(suite: name, results: try ManagerBenchmarks.run())
        case "patch":
            return BenchmarkReport(suite: name, results: try PatchSuite.run())
        case "distributed":
            return BenchmarkReport(suite: name, results: try DistributedBenchmarks.run())
        default:
            throw BenchmarkError.unknownSuite(name)
        }
    }
}

/// Why a benchmark could not run.
public enum BenchmarkError: Error, CustomStringConvertible {
    /// No suite or workload has that name.
    case unknownSuite(String)
    /// An isolated workload's process failed or printed something unreadable.
    case workloadFailed(String, String)

    public var description: String {
        switch self {
        case .unknownSuite(let name): "no benchmark suite or workload named '\(name)'"
        case .workloadFailed(let name, let detail): "benchmark workload '\(name)' failed: \(detail)"
        }
    }
}
