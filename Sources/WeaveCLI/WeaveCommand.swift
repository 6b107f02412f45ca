import ArgumentParser

/// `weave`: the tour of the source programs and the benchmarks.
@main
struct WeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weave",
        abstract: "Python's greenlet, gevent and multiprocessing models, in Swift.",
        subcommands: [TourCommand.self, BenchCommand.self, BenchWorkloadCommand.self],
        defaultSubcommand: TourCommand.self
    )
}
