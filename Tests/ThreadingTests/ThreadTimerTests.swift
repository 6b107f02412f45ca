import Synchronization
import Threading
import XCTest

final class ThreadTimerTests: XCTestCase {
    func testATimerRunsItsBodyAfterTheInterval() throws {
        let ran = ThreadEvent()
        let timer = ThreadTimer(interval: .milliseconds(20)) { ran.set() }
        try timer.start()
        XCTAssertTrue(try timer.join(timeout: 30))
        XCTAssertTrue(ran.isSet)
    }

    func testCancelBeforeTheIntervalPreventsTheBody() throws {
        let ran = Mutex(false)
        let timer = ThreadTimer(interval: 30) { ran.withLock { $0 = true } }
        try timer.start()
        XCTAssertTrue(timer.isAlive)
        timer.cancel()
        XCTAssertTrue(try timer.join(timeout: 30), "a cancelled timer ends without waiting out its interval")
        XCTAssertFalse(ran.withLock { $0 })
    }

    func testATimerStartsOnce() throws {
        let timer = ThreadTimer(interval: 0) {}
        try timer.start()
        XCTAssertThrowsError(try timer.start()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .alreadyStarted)
        }
        try timer.join()
    }
}
