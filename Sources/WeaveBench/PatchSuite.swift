import Foundation

/// The `patch` suite, run in `weave-patch-bench`: that executable links GreenPatch, whose
/// hooks it turns on for its whole process, and libcurl, which `weave` itself must not
/// need to build. It is looked up beside this executable (same build directory).
enum PatchSuite {
    static let executableName = "weave-patch-bench"

    static func run() throws -> [BenchmarkResult] {
        let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let sibling = here.deletingLastPathComponent().appendingPathComponent(executableName)
        guard FileManager.default.isExecutableFile(atPath: sibling.path) else {
            throw BenchmarkError.workloadFailed(
                "patch",
                "\(sibling.path) is missing: build it with `swift build -c release --product \(executableName)` "
                    + "(it needs libcurl's headers: scripts/install-test-deps.sh installs them)")
        }
        return try ChildRun.results(of: sibling, arguments: ["--lines"], name: executableName)
    }
}
