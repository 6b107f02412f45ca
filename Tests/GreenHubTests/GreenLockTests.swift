import GreenHub
import Greenlets
import XCTest

final class GreenLockTests: XCTestCase {
    func testWithLockExcludesOtherGreenlets() throws {
        let lock = GreenLock()
        var inside = 0
        var mostInside = 0
        let workers = (0..<5).map { _ in
            Green.spawn {
                try lock.withLock {
                    inside += 1
                    mostInside = max(mostInside, inside)
                    try Green.sleep(0.001)
                    inside -= 1
                }
            }
        }
        try Green.joinAll(workers, raiseError: true)
        XCTAssertEqual(mostInside, 1)
        XCTAssertFalse(lock.isLocked)
    }

    func testWaitersGetTheLockInTheOrderTheyCame() throws {
        let lock = GreenLock()
        try lock.acquire()
        var order: [Int] = []
        let waiters = (1...4).map { index in
            Green.spawn {
                try lock.acquire()
                order.append(index)
                try lock.release()
            }
        }
        try Green.sleep(0)
        try lock.release()
        // A newcomer does not jump the queue: the lock was handed to waiter 1.
        XCTAssertTrue(lock.isLocked)
        XCTAssertFalse(try lock.acquire(blocking: false))
        try Green.joinAll(waiters)
        XCTAssertEqual(order, [1, 2, 3, 4])
    }

    func testNonBlockingAndTimedAcquire() throws {
        let lock = GreenLock(name: "door")
        XCTAssertTrue(try lock.acquire(blocking: false))
        XCTAssertTrue(lock.isLocked)
        XCTAssertFalse(try lock.acquire(blocking: false))
        XCTAssertFalse(try lock.acquire(timeout: 0.01))
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try lock.acquire(timeout: 5) }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        XCTAssertTrue(lock.description.contains("held by greenlet 'main'"), lock.description)
        try lock.release()
        XCTAssertFalse(lock.isLocked)
    }

    func testAnotherGreenletMayReleaseIt() throws {
        let lock = GreenLock()
        try lock.acquire()
        try Green.spawn { try lock.release() }.join()
        XCTAssertFalse(lock.isLocked)
    }

    func testReleasingAnUnlockedLockIsAnError() throws {
        let lock = GreenLock(name: "door")
        XCTAssertThrowsError(try lock.release()) { error in
            XCTAssertEqual((error as? GreenSyncError)?.code, .notLocked)
            XCTAssertTrue("\(error)".contains("GreenLock 'door'"), "\(error)")
        }
    }

    func testAKilledOrTimedOutWaiterIsSkipped() throws {
        let lock = GreenLock()
        try lock.acquire()
        let doomed = Green.spawn(name: "doomed") { try lock.acquire() }
        let impatient = Green.spawn(name: "impatient") { try lock.acquire(timeout: 0.001) }
        let patient = Green.spawn(name: "patient") { () -> Bool in
            defer { try? lock.release() }
            return try lock.acquire()
        }
        try Green.sleep(0)
        try doomed.kill()
        XCTAssertFalse(try impatient.get())
        try lock.release()
        XCTAssertTrue(try patient.get())
        XCTAssertFalse(lock.isLocked)
    }

    func testAWaiterKilledAfterBeingHandedTheLockStillGetsIt() throws {
        let lock = GreenLock()
        try lock.acquire()
        var acquired = false
        let waiter = Green.spawn {
            try lock.withLock {
                acquired = true
                try Green.sleep(0)  // the kill arrives here, inside withLock
            }
        }
        try Green.sleep(0)
        try lock.release()  // handed to the waiter, which has not run yet
        try waiter.kill()
        XCTAssertTrue(acquired)
        XCTAssertFalse(lock.isLocked)
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let lock = GreenLock()
        assertWrongThread { try lock.acquire() }
        assertWrongThread { try lock.release() }
        XCTAssertFalse(lock.isLocked)
    }

    func testAcquiringTwiceIsADeadlockThatNamesTheLockAndItsHolder() throws {
        let lock = GreenLock(name: "once")
        try lock.acquire()
        assertDeadlock(mentioning: ["greenlet 'main' waits on GreenLock 'once' (held by greenlet 'main', 1 waiting) — acquire"]) {
            try lock.acquire()
        }
        try lock.release()
    }
}
