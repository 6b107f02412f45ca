#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Multiprocessing
import WeaveTour
import XCTest

/// Each chapter run in this process, quickly, its report read back.
final class TourChapterTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    private func run(_ name: String, language: TourLanguage = .chinese, timeScale: Double = 0.05) throws -> TourRecording.Report {
        let recording = TourRecording(language: language, timeScale: timeScale)
        let tour = Tour(timeScale: timeScale, language: language, lessonSize: .quick) { recording.record($0) }
        let chapter = try XCTUnwrap(Tour.chapters.first { $0.name == name })
        recording.begin(chapter)
        try chapter.run(tour)
        recording.end()
        return recording.report
    }

    func testProcessProgramPollsUntilTheChildIsGoneThenShowsTheDaemonRule() throws {
        TourChecks.checkProcess(try run("process").chapters[0], mainPid: getpid())
    }

    func testGreenletPoemComesOutInOrderInEitherLanguage() throws {
        XCTAssertEqual(TourChecks.lines(of: try run("greenlet").chapters[0]), TourChecks.poem)
        XCTAssertEqual(
            TourChecks.lines(of: try run("greenlet", language: .english).chapters[0]),
            [
                "I open the door and walk into the washroom", "and see the mop standing beside it",
                "The torrent plunges three thousand feet", "as if the Milky Way fell from the ninth heaven",
            ])
    }

    func testGeventLinesComeInTimeOrder() throws {
        let chapter = try run("gevent").chapters[0]
        XCTAssertEqual(TourChecks.lines(of: chapter), TourChecks.geventLines)
        let took = try XCTUnwrap(TourChecks.notes(of: chapter).first)
        let seconds = try XCTUnwrap(Double(took.dropFirst("took ".count).prefix { $0 != " " }))
        XCTAssertLessThan(seconds, 30, "the sleeps overlapped: they add up to 44 s of the program's time")
    }

    func testCrawlIsSerialUnpatchedAndConcurrentAfterMonkeyPatchAll() throws {
        let report = try run("crawl")
        TourChecks.checkCrawl(report.chapters[0], runs: report.crawl)
    }

    func testQueuesDeliverEveryItemInOrder() throws {
        let lines = TourChecks.lines(of: try run("queues").chapters[0])
        XCTAssertEqual(lines.filter { $0.hasPrefix("consumed") }, (0..<5).map { "consumed item-\($0)" })
        for i in 0..<5 {
            XCTAssertLessThan(try XCTUnwrap(lines.firstIndex(of: "produced item-\(i)")), try XCTUnwrap(lines.firstIndex(of: "consumed item-\(i)")))
        }
        XCTAssertEqual(
            Array(lines.suffix(2)),
            ["shared dict: produced 5, consumed 5", "shared list: item-0, item-1, item-2, item-3, item-4"])
    }

    func testLessonMeasuresEveryModelAndDrawsVerdicts() throws {
        TourChecks.checkLesson(try run("lesson").lesson)
    }

    func testThePythonAdviceLineFollowsTheThreadsRow() {
        func rows(threads speedup: Double) -> [LessonRow] {
            [LessonRow(workload: "cpu-bound", model: "threads", workers: 2, seconds: 1, speedup: speedup)]
        }
        XCTAssertTrue(
            Tour.pythonDifference(rows(threads: 1.9), cores: 2, loadAverage: 0.2).contains("threads sped the CPU-bound work up 1.9×"))
        XCTAssertTrue(Tour.pythonDifference(rows(threads: 1.0), cores: 2, loadAverage: 0.2).hasSuffix("gained only 1.0× on the CPU-bound work here."))
        XCTAssertTrue(Tour.pythonDifference(rows(threads: 1.0), cores: 2, loadAverage: 6).contains("the machine was busy (load average 6.0 on 2 cores)"))
        XCTAssertTrue(Tour.pythonDifference(rows(threads: 1.0), cores: 1, loadAverage: nil).contains("with one core"))
    }

    func testVerdictsFollowTheNumbers() {
        func row(_ model: String, _ speedup: Double) -> LessonRow {
            LessonRow(workload: "io-bound", model: model, workers: 2, seconds: 1 / speedup, speedup: speedup)
        }
        let verdict = Tour.verdict(for: [row("serial", 1), row("threads", 1.9), row("processes", 1.1), row("greenlets", 9)])
        XCTAssertEqual(verdict, "io-bound: fastest on greenlets (9.0×); then threads (1.9×); no real gain on processes (1.1×)")
        let close = Tour.verdict(for: [row("serial", 1), row("threads", 1.14), row("processes", 0.9), row("greenlets", 1.27)])
        XCTAssertEqual(close, "io-bound: fastest on greenlets (1.3×), threads (1.1×); no real gain on processes (0.9×)")
        let flat = Tour.verdict(for: [row("serial", 1), row("threads", 1.1), row("processes", 0.9), row("greenlets", 1)])
        XCTAssertEqual(flat, "io-bound: no model beat running it serially: threads (1.1×), greenlets (1.0×), processes (0.9×)")
    }
}
