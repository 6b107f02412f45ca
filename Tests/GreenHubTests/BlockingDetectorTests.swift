import GreenHub
import Greenlets
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class BlockingDetectorTests: XCTestCase {
    func testAGreenThreadThatHoldsTheThreadIsReportedByName() throws {
        let reports = LogCapture()
        let hub = Hub.current
        hub.detectBlocking(threshold: 0.02, logger: reports.logger(label: "blocking-test"))
        defer { hub.stopDetectingBlocking() }
        let blocker = Green.spawn(name: "sleepy-c-call") {
            usleep(200_000)
        }
        try blocker.join()
        // The monitor thread reports asynchronously; give it a moment on the hub.
        for _ in 0..<50 where reports.entries.isEmpty {
            try Green.sleep(0.01)
        }
        let report = reports.entries.first { $0.metadata["greenlet"] == "sleepy-c-call" }
        XCTAssertEqual(report?.level, .warning, "\(reports.entries)")
        XCTAssertTrue(report?.message.contains("greenlet 'sleepy-c-call' has held its thread") ?? false, "\(reports.entries)")
        // Where it was: the sampled stack shows the blocking C call.
        XCTAssertTrue(report?.metadata["backtrace"]?.contains("sleep") ?? false, "\(String(describing: report))")
    }

    func testGreenThreadsThatYieldAreNotReported() throws {
        let reports = LogCapture()
        let hub = Hub.current
        hub.detectBlocking(threshold: 0.2, logger: reports.logger(label: "blocking-test"))
        defer { hub.stopDetectingBlocking() }
        let polite = Green.spawn(name: "polite") {
            for _ in 0..<20 { try Green.sleep(0.005) }
        }
        try polite.join()
        XCTAssertTrue(reports.entries.isEmpty, "\(reports.entries)")
    }
}
