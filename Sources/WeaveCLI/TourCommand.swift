import ArgumentParser
import Multiprocessing
import WeaveTour

/// `weave tour [chapter…] [--lang zh|en] [--quick] [--json] [--time-scale x] [--url u…]`:
/// runs the tutorial's source programs.
struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "Run the tutorial's source programs, translated to Weave (offline).",
        discussion: "Chapters: " + Tour.chapters.map(\.name).joined(separator: ", ")
    )

    @Argument(help: "Chapters to run (all when none is named).")
    var chapters: [String] = []

    @Option(help: "The programs' lines: zh (the tutorial's own) or en (English translations).")
    var lang: String = TourLanguage.chinese.rawValue

    @Flag(help: "Scale every sleep down 10 times and shrink the lesson's workloads (for tests and CI).")
    var quick = false

    @Flag(help: "Print one JSON report (chapters, their lines and timings, the lesson rows) instead of text.")
    var json = false

    @Option(help: "Multiply every delay by this factor; 1 keeps the programs' own seconds.")
    var timeScale: Double?

    @Option(name: .customLong("url"), help: "Crawl this URL instead of the embedded stand-ins (repeatable).")
    var urls: [String] = []

    func validate() throws {
        let known = Set(Tour.chapters.map(\.name))
        for name in chapters where !known.contains(name) {
            throw ValidationError("No chapter '\(name)'. Chapters: \(Tour.chapters.map(\.name).joined(separator: ", "))")
        }
        guard TourLanguage(rawValue: lang) != nil else { throw ValidationError("--lang takes zh or en, not '\(lang)'") }
        if let timeScale, timeScale <= 0 { throw ValidationError("--time-scale must be positive") }
    }

    func run() throws {
        // The lesson forks worker processes while the tour's server threads run; the
        // workers touch nothing those threads hold.
        Multiprocessing.warnsOnMultithreadedFork = false
        let language = TourLanguage(rawValue: lang) ?? .chinese
        let scale = timeScale ?? (quick ? 0.1 : 1)
        let recording = TourRecording(language: language, timeScale: scale)
        let terminal = TourTerminal()
        let jsonOnly = json
        let tour = Tour(timeScale: scale, language: language, lessonSize: quick ? .quick : .full) { event in
            recording.record(event)
            if jsonOnly {
                if case .progress = event { terminal.show(event) }
            } else {
                terminal.show(event)
            }
        }
        let selected = chapters.isEmpty ? Tour.chapters : Tour.chapters.filter { chapters.contains($0.name) }
        for chapter in selected {
            recording.begin(chapter)
            if !json { print(terminal.heading(chapter)) }
            if chapter.name == "crawl" && !urls.isEmpty {
                try tour.crawl(urls: urls)
            } else {
                try chapter.run(tour)
            }
            recording.end()
            if !json { print("") }
        }
        if json { print(try recording.json()) }
    }
}
