import Foundation

/// Runs a benchmark process (a workload in a fresh copy of `weave`, the `patch` suite's own
/// executable) and reads the results it prints as `BenchmarkReport.lines`.
enum ChildRun {
    /// Runs `executable` with `arguments`, waits for it, and parses its standard output;
    /// `name` names it in errors.
    static func results(of executable: URL, arguments: [String], name: String) throws -> [BenchmarkResult] {
        let child = Process()
        child.executableURL = executable
        child.arguments = arguments
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw BenchmarkError.workloadFailed(name, "exit status \(child.terminationStatus)")
        }
        return try BenchmarkReport.parseLines(String(decoding: data, as: UTF8.self), from: name)
    }
}
