import Threading
import XCTest

final class ThreadEventTests: XCTestCase {
    func testAWaitWithATimeoutReturnsFalseWhenNeverSet() {
        let event = ThreadEvent()
        XCTAssertFalse(event.wait(timeout: 0.05))
        XCTAssertFalse(event.wait(timeout: .milliseconds(10)))
        XCTAssertFalse(event.wait(timeout: 0))
        XCTAssertFalse(event.isSet)
    }

    func testSetWakesEveryWaiterAndClearResets() throws {
        let event = ThreadEvent()
        let waiters = (0..<4).map { _ in OSThread { event.wait(timeout: 30) } }
        for waiter in waiters { try waiter.start() }
        event.set()
        for waiter in waiters { XCTAssertTrue(try waiter.get()) }
        XCTAssertTrue(event.isSet)
        XCTAssertTrue(event.wait(timeout: 0), "a set event does not block")
        event.clear()
        XCTAssertFalse(event.isSet)
        XCTAssertFalse(event.wait(timeout: 0.01))
    }
}
