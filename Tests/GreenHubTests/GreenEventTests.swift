import GreenHub
import Greenlets
import XCTest

final class GreenEventTests: XCTestCase {
    func testSetWakesEveryWaiterInOrder() throws {
        let event = GreenEvent(name: "go")
        var log: [String] = []
        let waiters = (1...3).map { index in
            Green.spawn(name: "waiter-\(index)") {
                log.append("wait \(index)")
                let flag = try event.wait()
                log.append("woke \(index): \(flag)")
            }
        }
        try Green.sleep(0)
        XCTAssertFalse(event.isSet)
        XCTAssertTrue(event.description.contains("3 waiting"), event.description)
        try event.set()
        XCTAssertTrue(event.isSet)
        try Green.joinAll(waiters)
        XCTAssertEqual(log, ["wait 1", "wait 2", "wait 3", "woke 1: true", "woke 2: true", "woke 3: true"])
    }

    func testWaitReturnsAtOnceWhenSetAndBlocksAgainAfterClear() throws {
        let event = GreenEvent()
        try event.set()
        XCTAssertTrue(try event.wait())
        XCTAssertTrue(try event.wait(timeout: 0))
        try event.clear()
        XCTAssertFalse(event.isSet)
        XCTAssertFalse(try event.wait(timeout: 0.01))
    }

    func testAWaiterWokenBySetReturnsTrueEvenIfClearedBeforeItRuns() throws {
        let event = GreenEvent()
        let waiter = Green.spawn { try event.wait() }
        try Green.sleep(0)
        try event.set()
        try event.clear()
        XCTAssertTrue(try waiter.get())
    }

    func testWaitTimeoutReturnsFalse() throws {
        let event = GreenEvent()
        XCTAssertFalse(try event.wait(timeout: 0.01))
        XCTAssertFalse(event.isSet)
    }

    func testAScopedTimeoutIsThrownNotTurnedIntoFalse() throws {
        let event = GreenEvent()
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try event.wait(timeout: 5) }) { error in
            XCTAssertTrue(error is GreenTimeoutError, "\(error)")
        }
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try event.wait() }) { error in
            XCTAssertTrue(error is GreenTimeoutError, "\(error)")
        }
    }

    func testAKilledWaiterLeavesTheOthersWaiting() throws {
        let event = GreenEvent()
        var woken: [String] = []
        let doomed = Green.spawn(name: "doomed") {
            try event.wait()
            woken.append("doomed")
        }
        let survivor = Green.spawn(name: "survivor") {
            try event.wait()
            woken.append("survivor")
        }
        try Green.sleep(0)
        try doomed.kill()
        try event.set()
        try survivor.join()
        XCTAssertEqual(woken, ["survivor"])
    }

    func testWaitWorksInAHandMadeGreenlet() throws {
        let event = GreenEvent()
        var log: [String] = []
        let setter = Green.spawn {
            log.append("set")
            try event.set()
        }
        let handMade = Greenlet(name: "by-hand") { _ in
            log.append("waiting")
            try event.wait()
            log.append("done")
            return nil
        }
        _ = try handMade.switch()
        XCTAssertTrue(handMade.isDead)
        try setter.join()
        XCTAssertEqual(log, ["waiting", "set", "done"])
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let event = GreenEvent()
        assertWrongThread { try event.set() }
        assertWrongThread { try event.clear() }
        assertWrongThread { try event.wait(timeout: 0) }
        XCTAssertFalse(event.isSet)
    }

    func testWaitingOnAnEventNoOneCanSetIsADeadlockThatNamesIt() throws {
        let event = GreenEvent(name: "never")
        assertDeadlock(mentioning: ["greenlet 'main' waits on GreenEvent 'never' (not set, 1 waiting) — wait"]) {
            try event.wait()
        }
    }
}
