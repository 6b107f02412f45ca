import GreenHub
import Greenlets
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class BlockingDetectorTests: XCTestCase {
    func testAGreenThreadThatHoldsTheThreadIsReportedByName() throws {
        let reports = LineCollector()
        let hub = Hub.current
        hub.detectBlocking(threshold: 0.02) { reports.append($0) }
        defer { hub.stopDetectingBlocking() }
        let blocker = Green.spawn(name: "sleepy-c-call") {
            usleep(200_000)
        }
        try blocker.join()
        // The monitor thread reports asynchronously; give it a moment on the hub.
        for _ in 0..<50 where reports.lines.isEmpty {
            try Green.sleep(0.01)
        }
        let report = reports.lines.first { $0.contains("greenlet 'sleepy-c-call' has held its thread") }
        XCTAssertNotNil(report, "\(reports.lines)")
        // Where it was: the sampled stack shows the blocking C call.
        let stack = report?.components(separatedBy: "it was at:").dropFirst().first ?? ""
        XCTAssertTrue(stack.contains("sleep"), report ?? "")
    }

    func testGreenThreadsThatYieldAreNotReported() throws {
        let reports = LineCollector()
        let hub = Hub.current
        hub.detectBlocking(threshold: 0.2) { reports.append($0) }
        defer { hub.stopDetectingBlocking() }
        let polite = Green.spawn(name: "polite") {
            for _ in 0..<20 { try Green.sleep(0.005) }
        }
        try polite.join()
        XCTAssertEqual(reports.lines, [])
    }
}
