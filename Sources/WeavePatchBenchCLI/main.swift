// weave-patch-bench: the `patch` benchmark suite in an executable of its own, because it
// patches its process and links libcurl (`weave bench patch` runs it).
//   weave-patch-bench           an aligned table
//   weave-patch-bench --json    the benchmark contract's JSON object
//   weave-patch-bench --lines   name<TAB>value<TAB>unit lines, for `weave bench patch`
import WeaveBench
import WeavePatchBench

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
do {
    let report = BenchmarkReport(suite: "patch", results: try PatchBenchmarks.run())
    if arguments.contains("--lines") {
        print(report.lines)
    } else if arguments.contains("--json") {
        print(report.json)
    } else {
        print(report.table)
    }
    exit(0)
} catch {
    let message = Array("weave-patch-bench: \(error)\n".utf8)
    _ = write(2, message, message.count)
    exit(1)
}
