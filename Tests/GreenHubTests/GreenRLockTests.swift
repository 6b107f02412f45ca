import GreenHub
import Greenlets
import XCTest

final class GreenRLockTests: XCTestCase {
    func testTheHolderMayAcquireAgainAndMustReleaseAsOften() throws {
        let lock = GreenRLock()
        try lock.acquire()
        try lock.withLock {
            XCTAssertTrue(lock.isHeldByCurrentGreenlet)
        }
        XCTAssertTrue(lock.isLocked)
        let other = Green.spawn { try lock.acquire(blocking: false) }
        XCTAssertFalse(try other.get())
        try lock.release()
        XCTAssertFalse(lock.isLocked)
        XCTAssertFalse(lock.isHeldByCurrentGreenlet)
    }

    func testTheLastReleaseHandsItToTheFirstWaiter() throws {
        let lock = GreenRLock()
        try lock.acquire()
        try lock.acquire()
        var order: [Int] = []
        let waiters = (1...3).map { index in
            Green.spawn {
                try lock.withLock { order.append(index) }
            }
        }
        try Green.sleep(0)
        try lock.release()
        XCTAssertTrue(lock.isHeldByCurrentGreenlet)
        try lock.release()
        XCTAssertTrue(lock.isLocked)
        XCTAssertFalse(lock.isHeldByCurrentGreenlet)
        try Green.joinAll(waiters)
        XCTAssertEqual(order, [1, 2, 3])
    }

    func testReleasingALockHeldByAnotherGreenletIsAnError() throws {
        let lock = GreenRLock(name: "books")
        XCTAssertThrowsError(try lock.release()) { XCTAssertEqual(($0 as? GreenSyncError)?.code, .notLocked) }
        let holder = Green.spawn(name: "holder") { try lock.acquire() }
        try holder.join()
        XCTAssertThrowsError(try lock.release()) { error in
            XCTAssertEqual((error as? GreenSyncError)?.code, .notOwner)
            XCTAssertTrue("\(error)".contains("held by greenlet 'holder'"), "\(error)")
        }
    }

    func testTimeoutsAndKills() throws {
        let lock = GreenRLock()
        let holder = Green.spawn { try lock.acquire() }
        try holder.join()
        XCTAssertFalse(try lock.acquire(timeout: 0.01))
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try lock.acquire() }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        let doomed = Green.spawn { try lock.acquire() }
        try Green.sleep(0)
        try doomed.kill()
        XCTAssertTrue(doomed.isReady)
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let lock = GreenRLock()
        assertWrongThread { try lock.acquire() }
        assertWrongThread { try lock.release() }
        XCTAssertFalse(lock.isLocked)
    }

    func testWaitingForALockADeadGreenletHoldsIsADeadlockThatNamesTheHolder() throws {
        let lock = GreenRLock(name: "books")
        try Green.spawn(name: "leaver") { try lock.acquire() }.join()
        assertDeadlock(mentioning: ["GreenRLock 'books' (held by greenlet 'leaver', depth 1, 1 waiting) — acquire"]) {
            try lock.acquire()
        }
    }
}
