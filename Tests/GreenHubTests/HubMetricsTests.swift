import GreenHub
import WeaveTestSupport
import XCTest

final class HubMetricsTests: XCTestCase {
    func testAHubReportsItsGreenThreadsAndSwitchesThroughSwiftMetrics() async throws {
        let metrics = SharedTestMetrics.factory
        Hub.metricsInterval = 0.02
        defer { Hub.metricsInterval = 1 }
        let remote = try Hub.startThread()
        let number = try await remote.run { Hub.current.number }
        let dimensions = [("hub", "\(number)")]
        let release = try await remote.run { () -> Int in
            for _ in 0..<5 {
                Green.spawn { try Green.sleep(0.5) }
            }
            for _ in 0..<10 {
                try Green.sleep(0)
            }
            try Green.sleep(0.2)
            return 5
        }
        XCTAssertEqual(release, 5)
        let alive = try metrics.expectGauge("weave_hub_green_threads", dimensions)
        XCTAssertTrue(alive.values.contains(6), "five sleepers and the green thread that made them: \(alive.values)")
        let switches = try metrics.expectCounter("weave_hub_switches_total", dimensions)
        XCTAssertGreaterThanOrEqual(switches.totalValue, 10)
        XCTAssertNotNil(try metrics.expectGauge("weave_hub_timers_armed", dimensions).lastValue)
    }
}
