import ArgumentParser
import Foundation
import WeaveBench

/// `weave bench <suite> [--json]`: the benchmark contract's entry point; `weave bench all`
/// runs every suite against its peers and writes `bench/RESULTS.md` (see ``BenchAllRunner``).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite (build with -c release).",
        discussion: "Suites: " + BenchmarkSuites.names.joined(separator: ", ") + ". '"
            + BenchAllRunner.suiteName + "' runs every suite and every installed peer through "
            + BenchAllRunner.driverPath + " (from inside the repository; see bench/README.md) "
            + "and writes bench/RESULTS.md and bench/results.svg."
    )

    @Argument(help: "The suite to run, or '\(BenchAllRunner.suiteName)'.")
    var suite: String

    @Flag(help: "Print one JSON object, as the benchmark contract fixes.")
    var json = false

    func validate() throws {
        if suite == BenchAllRunner.suiteName {
            guard !json else {
                throw ValidationError("--json is for one suite; '\(suite)' saves every report in bench/results.json")
            }
            return
        }
        guard BenchmarkSuites.names.contains(suite) else {
            throw ValidationError("No suite '\(suite)'. Suites: \(BenchmarkSuites.names.joined(separator: ", ")), or \(BenchAllRunner.suiteName)")
        }
    }

    func run() throws {
        if suite == BenchAllRunner.suiteName {
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            try BenchAllRunner(searchingFrom: cwd, executable: BenchAllRunner.currentExecutable()).exec()
        }
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
