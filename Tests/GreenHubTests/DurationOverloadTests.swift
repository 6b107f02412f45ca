import GreenHub
import WeaveDurations
import XCTest

/// Settings held as `Duration`, each with the seconds twin the macro declares.
private struct Settings {
    @DurationOverload
    var limit: Duration = .seconds(2)
    @DurationOverload
    let fixed: Duration = .milliseconds(1500)
}

/// Every `Duration` twin that `@DurationOverload` makes behaves as its `Double` original.
final class DurationOverloadTests: XCTestCase {
    func testATimedGetFailsTheSameWayWithEitherUnit() throws {
        let queue = GreenQueue<Int>()
        var errors: [String] = []
        for attempt in 0..<2 {
            do {
                _ = attempt == 0 ? try queue.get(timeout: 0.02) : try queue.get(timeout: .milliseconds(20))
                XCTFail("an empty queue gave an item")
            } catch {
                errors.append("\(error)")
            }
        }
        XCTAssertEqual(errors.count, 2)
        XCTAssertEqual(errors[0], errors[1], "the Duration twin reports the same timeout as the Double original")
    }

    func testSleepForADurationLetsOthersRunAsSleepingForSecondsDoes() throws {
        var order: [String] = []
        let sleeper = Green.spawn {
            try Green.sleep(for: .milliseconds(30))
            order.append("duration sleeper")
        }
        let other = Green.spawn {
            try Green.sleep(0.001)
            order.append("seconds sleeper")
        }
        try Green.joinAll([sleeper, other])
        XCTAssertEqual(order, ["seconds sleeper", "duration sleeper"])
    }

    func testScopedTimeoutTakesADuration() throws {
        XCTAssertThrowsError(try Green.withTimeout(.milliseconds(10)) { try Green.sleep(5) }) { error in
            XCTAssertEqual((error as? GreenTimeoutError)?.seconds, 0.01)
        }
        XCTAssertEqual(try Green.withTimeout(.seconds(5)) { 7 }, 7)
    }

    func testJoinOfAGreenThreadTakesADuration() throws {
        let slow = Green.spawn { try Green.sleep(5) }
        XCTAssertFalse(try slow.join(timeout: .milliseconds(10)))
        XCTAssertFalse(try slow.join(timeout: 0.01))
        try slow.kill()
    }

    func testADurationPropertysSecondsTwinReadsAndWritesIt() {
        var settings = Settings()
        XCTAssertEqual(settings.limitSeconds, 2)
        XCTAssertEqual(settings.fixedSeconds, 1.5)
        settings.limitSeconds = 0.25
        XCTAssertEqual(settings.limit, .milliseconds(250))
        settings.limit = .microseconds(500)
        XCTAssertEqual(settings.limitSeconds, 0.0005)
    }
}
