import ArgumentParser
import WeaveBench

/// `weave bench <suite> [--json]`: the benchmark contract's entry point.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite (build with -c release).",
        discussion: "Suites: " + BenchmarkSuites.names.joined(separator: ", ")
    )

    @Argument(help: "The suite to run.")
    var suite: String

    @Flag(help: "Print one JSON object, as the benchmark contract fixes.")
    var json = false

    func validate() throws {
        guard BenchmarkSuites.names.contains(suite) else {
            throw ValidationError("No suite '\(suite)'. Suites: \(BenchmarkSuites.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let report = try BenchmarkSuites.run(suite)
        print(json ? report.json : report.table)
    }
}

/// Runs one memory workload in a process of its own, so that its peak RSS is its own.
/// The suites start it; it is not meant to be typed.
struct BenchWorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-workload",
        abstract: "Run one isolated benchmark workload (used by the suites).",
        shouldDisplay: false
    )

    @Argument(help: "The workload's name.")
    var workload: String

    func run() throws {
        print(try IsolatedWorkloads.runHere(workload))
    }
}
