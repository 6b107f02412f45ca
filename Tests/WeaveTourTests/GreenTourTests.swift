import Weave
import WeaveTestSupport
import WeaveTour
import XCTest

final class GreenTourTests: XCTestCase {
    func testThePoemComesOutInOrder() throws {
        let collector = LineCollector()
        try Tour(emit: { collector.append($0) }).greenletPoem()
        XCTAssertEqual(
            collector.lines,
            [
                "Two roads diverged in a yellow wood,",
                "And sorry I could not travel both",
                "And be one traveler, long I stood",
                "And looked down one as far as I could",
            ])
    }

    func testStaggeredSleepsPrintInTimeOrderAndTakeTheLongestChain() throws {
        let collector = LineCollector()
        try Tour(timeScale: 0.02, emit: { collector.append($0) }).staggeredSleeps()
        let lines = collector.lines
        XCTAssertEqual(
            Array(lines.dropLast()),
            [
                "index: slept 1 s, 1 s in",
                "download: slept 2 s, 2 s in",
                "parse: slept 3 s, 3 s in",
                "report: slept 4 s, 4 s in",
                "index: slept 4 s, 5 s in",
                "download: slept 4 s, 6 s in",
                "parse: slept 4 s, 7 s in",
                "report: slept 4 s, 8 s in",
                "index: slept 5 s, 10 s in",
                "parse: slept 4 s, 11 s in",
                "report: slept 4 s, 12 s in",
                "download: slept 8 s, 14 s in",
            ])
        // The total is the longest chain, not the sum: concurrency, checked with a wide margin.
        let total = Double(lines.last!.split(separator: " ")[1])!
        XCTAssertGreaterThanOrEqual(total, 14)
        XCTAssertLessThan(total, 30, "the sleeps ran one after another (they add up to 46 s)")
    }
}
