import ArgumentParser
import WeaveTour

/// `weave tour [chapter…] [--time-scale x]`: runs the source programs.
struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "Run the tutorial's source programs, translated to Weave (offline).",
        discussion: "Chapters: " + Tour.chapters.map(\.name).joined(separator: ", ")
    )

    @Argument(help: "Chapters to run (all when none is named).")
    var chapters: [String] = []

    @Option(help: "Multiply every delay by this factor; 1 keeps the programs' own seconds.")
    var timeScale: Double = 1

    @Option(name: .customLong("url"), help: "Crawl this URL instead of the embedded pages (repeatable).")
    var urls: [String] = []

    func validate() throws {
        let known = Set(Tour.chapters.map(\.name))
        for name in chapters where !known.contains(name) {
            throw ValidationError("No chapter '\(name)'. Chapters: \(Tour.chapters.map(\.name).joined(separator: ", "))")
        }
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive") }
    }

    func run() throws {
        let tour = Tour(timeScale: timeScale)
        let selected = chapters.isEmpty ? Tour.chapters : Tour.chapters.filter { chapters.contains($0.name) }
        for chapter in selected {
            print("== \(chapter.name): \(chapter.summary)")
            if chapter.name == "crawl" && !urls.isEmpty {
                try tour.crawl(urls: urls)
            } else {
                try chapter.run(tour)
            }
            print("")
        }
    }
}
