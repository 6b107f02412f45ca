import MetricsTestKit
import Threading
import WeaveTestSupport
import XCTest

final class ThreadingMetricsTests: XCTestCase {
    private struct Failure: Error {}

    func testStartedRunningAndFailedThreadsAreCounted() throws {
        let metrics = SharedTestMetrics.factory
        let warmUp = OSThread {}
        try warmUp.start()
        try warmUp.join()
        let started = try metrics.expectCounter("weave_threads_started_total")
        let running = try metrics.expectMeter("weave_threads_running")
        let startedBefore = started.totalValue
        let runningBefore = running.lastValue ?? 0
        let errorsBefore = (try? metrics.expectCounter("weave_thread_errors_total"))?.totalValue ?? 0

        let release = ThreadEvent()
        let threads = (0..<3).map { n in
            OSThread {
                release.wait()
                if n == 0 { throw Failure() }
            }
        }
        for thread in threads { try thread.start() }
        XCTAssertEqual(started.totalValue, startedBefore + 3)
        XCTAssertEqual(running.lastValue, runningBefore + 3)
        release.set()
        for thread in threads { try thread.join() }
        XCTAssertEqual(running.lastValue, runningBefore)
        XCTAssertEqual(try metrics.expectCounter("weave_thread_errors_total").totalValue, errorsBefore + 1)
    }
}
