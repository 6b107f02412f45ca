#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import Weave
import WeaveTour
import WeaveTestSupport

final class ProcessTourTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testDaemonChapterPrintsChildThenPollsThenShowsTheChildGone() throws {
        let collector = LineCollector()
        try Tour(timeScale: 0.01, emit: { collector.append($0) }).processDaemon()
        let lines = collector.lines
        XCTAssertEqual(lines.count, 6, "\(lines)")
        XCTAssertTrue(lines[0].hasPrefix("child ") && lines[0].hasSuffix(" daemon-child hello"), lines[0])
        XCTAssertEqual(Array(lines[1...3]), Array(repeating: "is the child alive? true", count: 3))
        XCTAssertTrue(lines[4].hasPrefix("parent ") && lines[4].hasSuffix("killed with SIGKILL (exit code -9)"), lines[4])
        XCTAssertTrue(lines[5].hasSuffix("still running? false"), lines[5])
    }

    func testProducerConsumerChapterDeliversEveryItemInOrder() throws {
        let collector = LineCollector()
        try Tour(timeScale: 0.01, emit: { collector.append($0) }).producerConsumer()
        let lines = collector.lines
        let consumed = lines.filter { $0.hasPrefix("consumed") }
        XCTAssertEqual(consumed, (0..<5).map { "consumed item-\($0)" })
        for i in 0..<5 {
            let produced = try XCTUnwrap(lines.firstIndex(of: "produced item-\(i)"))
            let used = try XCTUnwrap(lines.firstIndex(of: "consumed item-\(i)"))
            XCTAssertLessThan(produced, used)
        }
        XCTAssertEqual(lines.last, "producer exit code 0, consumer exit code 0")
    }
}
