import ArgumentParser
import Multiprocessing
import WeaveBench

/// `weave`: the tour of the source programs and the benchmarks.
@main
struct WeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weave",
        abstract: "Python's greenlet, gevent and multiprocessing models, in Swift.",
        subcommands: [TourCommand.self, BenchCommand.self, BenchWorkloadCommand.self, BenchServeCommand.self],
        defaultSubcommand: TourCommand.self
    )

    /// A process started with the spawn start method re-executes this program: it must
    /// run its entry point before anything else (argument parsing included).
    static func main() {
        ProcessBenchmarks.registerSpawnEntryPoints()
        DistributedBenchmarks.registerSpawnEntryPoints()
        Multiprocessing.bootstrapIfChild()
        main(nil)
    }
}
