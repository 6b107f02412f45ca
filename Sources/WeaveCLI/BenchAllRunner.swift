import Foundation
import WeaveBench

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `weave bench all`: every suite of ``BenchmarkSuites/names`` with every installed peer,
/// plus the networking servers of `bench/net-compare`, in one run of the comparison driver
/// `bench/compare` (Python 3). The driver writes `bench/RESULTS.md`, `bench/results.svg` and
/// the raw reports, `bench/results.json`.
///
/// The driver runs this very executable for Weave's side (`WEAVE_BENCH_CMD` and `WEAVE_BIN`),
/// so the figures come from the build that was asked for, without a second build (the report
/// names it: a debug build shows as `.build/debug/weave bench all`).
struct BenchAllRunner {
    /// The argument of `weave bench` that runs every suite.
    static let suiteName = "all"

    /// Where `bench/compare` sits below the repository root.
    static let driverPath = "bench/compare"

    /// The repository root: the closest folder at or above the start holding `bench/compare`.
    let root: URL
    /// This program, as an absolute path.
    let executable: String

    /// Finds the repository from `start` (the current directory) upwards.
    init(searchingFrom start: URL, executable: String) throws {
        var folder = start.standardizedFileURL
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent(Self.driverPath).path) {
            let parent = folder.deletingLastPathComponent()
            guard parent.path != folder.path else {
                throw BenchAllError.repositoryNotFound(searchedFrom: start.path)
            }
            folder = parent
        }
        root = folder
        self.executable = executable
    }

    /// This process's executable as an absolute path (`/proc/self/exe` resolved on Linux).
    static func currentExecutable() -> String {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// The command as typed, for the report: this program as it was called (relative to the
    /// repository when inside it, `weave` when found on `PATH`), then `bench all`.
    var commandLine: String {
        let called = CommandLine.arguments[0]
        guard called.contains("/") else { return "\(called) bench \(Self.suiteName)" }
        let absolute = URL(fileURLWithPath: called).standardizedFileURL.path
        let prefix = root.path + "/"
        let shown = absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
        return "\(shown) bench \(Self.suiteName)"
    }

    /// The driver's arguments after its own path: the outputs, the command to record, and
    /// every suite.
    var driverArguments: [String] {
        let bench = root.appendingPathComponent("bench")
        return [
            "--net-servers",
            "--report", bench.appendingPathComponent("RESULTS.md").path,
            "--chart", bench.appendingPathComponent("results.svg").path,
            "--json-out", bench.appendingPathComponent("results.json").path,
            "--command", commandLine,
        ] + BenchmarkSuites.names
    }

    /// Replaces this process with the driver (`execv`), after pointing its
    /// `WEAVE_BENCH_CMD` and `WEAVE_BIN` at this executable. Returns only by throwing.
    func exec() throws -> Never {
        setenv("WEAVE_BENCH_CMD", "\(Self.shellQuoted(executable)) bench", 1)
        setenv("WEAVE_BIN", executable, 1)
        let driver = root.appendingPathComponent(Self.driverPath).path
        var arguments: [UnsafeMutablePointer<CChar>?] = ([driver] + driverArguments).map { strdup($0) }
        arguments.append(nil)
        execv(driver, &arguments)
        let code = errno
        arguments.forEach { free($0) }
        throw BenchAllError.driverDidNotStart(path: driver, errno: code)
    }

    /// `text` in single quotes for `/bin/sh`, which `bench/compare` runs our command with.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
