import Dispatch
import GreenHub
import Greenlets
import XCTest

final class SleepAndTimeoutTests: XCTestCase {
    func testSleepersWakeInDeadlineOrder() throws {
        var order: [Int] = []
        let threads = [5, 1, 4, 2, 3].map { n in
            Green.spawn { try Green.sleep(Double(n) * 0.01); order.append(n) }
        }
        try Green.joinAll(threads)
        XCTAssertEqual(order, [1, 2, 3, 4, 5])
    }

    func testAWokenSleeperRunsAheadOfABurstOfSpawns() throws {
        var log: [String] = []
        let sleeper = Green.spawn {
            try Green.sleep(0.001)
            log.append("sleeper")
        }
        try Green.sleep(0)  // the sleeper starts and its timer is set
        // Hold the thread until the timer is due, then queue far more green threads than
        // one batch of the hub runs before it looks at its timers again.
        let due = DispatchTime.now().uptimeNanoseconds + 5_000_000
        while DispatchTime.now().uptimeNanoseconds < due {}
        let burst = (0..<2_000).map { n in Green.spawn { log.append("spawned \(n)") } }
        try Green.joinAll(burst + [sleeper])
        let sleeperTurn = try XCTUnwrap(log.firstIndex(of: "sleeper"))
        XCTAssertLessThan(sleeperTurn, 2_000, "the woken sleeper waited behind the whole burst")
    }

    func testSleepInTheMainGreenletLetsGreenThreadsRun() throws {
        var ran = false
        let thread = Green.spawn { ran = true }
        try Green.sleep(0.01)
        XCTAssertTrue(ran)
        XCTAssertTrue(thread.isReady)
    }

    func testWithTimeoutInterruptsTheWaitInProgress() throws {
        var reached = false
        XCTAssertThrowsError(
            try Green.withTimeout(0.02) {
                try Green.sleep(5)
                reached = true
            }
        ) { error in
            XCTAssertEqual((error as? GreenTimeoutError)?.seconds, 0.02)
        }
        XCTAssertFalse(reached)
    }

    func testWithTimeoutReturnsTheBodysValueWhenInTime() throws {
        let value = try Green.withTimeout(1) { () -> Int in
            try Green.sleep(0.001)
            return 5
        }
        XCTAssertEqual(value, 5)
        // The expired scope leaves nothing behind: a later wait is not interrupted.
        try Green.sleep(0.01)
    }

    func testNestedTimeoutsEachInterruptTheirOwnScope() throws {
        var outerCaught = false
        do {
            try Green.withTimeout(0.05) {
                do {
                    try Green.withTimeout(0.01) { try Green.sleep(5) }
                    XCTFail("inner timeout expected")
                } catch is GreenTimeoutError {
                    // The inner scope's own expiry: carry on inside the outer one.
                }
                try Green.sleep(5)
            }
        } catch let error as GreenTimeoutError {
            outerCaught = error.seconds == 0.05
        }
        XCTAssertTrue(outerCaught)
    }

    func testATimeoutInAGreenThreadEndsItsJoinWithThatError() throws {
        let thread = Green.spawn { () -> Int in
            try Green.withTimeout(0.01) { try Green.sleep(5) }
            return 1
        }
        XCTAssertThrowsError(try thread.get()) { XCTAssertTrue($0 is GreenTimeoutError) }
    }
}
