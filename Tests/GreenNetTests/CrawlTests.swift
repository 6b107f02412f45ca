import GreenHub
import GreenNet
import WeaveTestSupport
import WeaveTour
import XCTest

final class CrawlTests: XCTestCase {
    func testCrawlPrintsTheSourceProgramsLinesAndRunsConcurrently() throws {
        let lines = LineCollector()
        let tour = Tour(timeScale: 0.2) { lines.append($0) }
        try tour.crawl()
        let output = lines.lines
        XCTAssertEqual(output.filter { $0.hasPrefix("GET: http://127.0.0.1:") }.count, 8)
        let replies = output.filter { $0.contains(" returned, length ") }
        XCTAssertEqual(replies.count, 8)
        // The fastest page answers first and the slowest last.
        XCTAssertTrue(replies.first?.contains("/page1 returned, length 2048") ?? false, "\(replies)")
        XCTAssertTrue(replies.last?.contains("/page8 returned, length 65536") ?? false, "\(replies)")
        // Every request starts before the first reply arrives.
        let firstReply = try XCTUnwrap(output.firstIndex { $0.contains(" returned, length ") })
        XCTAssertEqual(output[..<firstReply].filter { $0.hasPrefix("GET: ") }.count, 8)
        // The concurrent crawl takes about the slowest page, the sequential one the sum.
        let totalLine = try XCTUnwrap(output.first { $0.hasPrefix("total: ") })
        let total = try XCTUnwrap(Double(totalLine.dropFirst(7).prefix { $0 != " " }))
        let sequentialLine = try XCTUnwrap(output.first { $0.hasPrefix("one after another: ") })
        let sequential = try XCTUnwrap(Double(sequentialLine.dropFirst(19).prefix { $0 != " " }))
        XCTAssertGreaterThan(sequential, total, sequentialLine)
    }
}
