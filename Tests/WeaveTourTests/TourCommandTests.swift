import Foundation
import WeaveTour
import XCTest

/// `weave tour --quick --json`, the README's main job, run as a user runs it.
final class TourCommandTests: XCTestCase {
    func testQuickJSONTourRunsEveryProgramAndTheLesson() throws {
        let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let weave = products.appendingPathComponent("weave")
        try XCTSkipUnless(
            FileManager.default.isExecutableFile(atPath: weave.path),
            "no weave binary beside the test bundle at \(weave.path); build it with `swift build --build-tests`")
        let tour = Process()
        tour.executableURL = weave
        tour.arguments = ["tour", "--quick", "--json"]
        let output = Pipe()
        tour.standardOutput = output
        try tour.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        tour.waitUntilExit()
        XCTAssertEqual(tour.terminationStatus, 0)

        let report = try JSONDecoder().decode(TourRecording.Report.self, from: data)
        XCTAssertEqual(report.language, .chinese)
        XCTAssertEqual(report.chapters.map(\.name), Tour.chapters.map(\.name))
        for chapter in report.chapters {
            XCTAssertEqual(chapter.concept, Tour.chapters.first { $0.name == chapter.name }?.concept)
            XCTAssertGreaterThan(chapter.seconds, 0)
        }
        TourChecks.checkProcess(report.chapters[0], mainPid: tour.processIdentifier)
        XCTAssertEqual(TourChecks.lines(of: report.chapters[2]), TourChecks.poem)
        XCTAssertEqual(TourChecks.lines(of: report.chapters[3]), TourChecks.geventLines)
        TourChecks.checkCrawl(report.chapters[4], runs: report.crawl)
        TourChecks.checkLesson(report.lesson)
    }
}
