import GreenHub
import Greenlets
import XCTest

final class GreenSemaphoreTests: XCTestCase {
    func testAtMostValueHoldersAtOnce() throws {
        let semaphore = GreenSemaphore(2)
        var inside = 0
        var mostInside = 0
        let workers = (0..<6).map { _ in
            Green.spawn {
                try semaphore.withPermit {
                    inside += 1
                    mostInside = max(mostInside, inside)
                    try Green.sleep(0.001)
                    inside -= 1
                }
            }
        }
        try Green.joinAll(workers, raiseError: true)
        XCTAssertEqual(mostInside, 2)
        XCTAssertEqual(semaphore.availablePermits, 2)
    }

    func testPermitsGoToWaitersInTheOrderTheyCame() throws {
        let semaphore = GreenSemaphore(0)
        XCTAssertTrue(semaphore.isLocked)
        var order: [Int] = []
        let waiters = (1...3).map { index in
            Green.spawn {
                try semaphore.acquire()
                order.append(index)
            }
        }
        try Green.sleep(0)
        try semaphore.release()
        XCTAssertEqual(semaphore.availablePermits, 0)  // handed to waiter 1
        XCTAssertFalse(try semaphore.acquire(blocking: false))
        try semaphore.release()
        try semaphore.release()
        try Green.joinAll(waiters)
        XCTAssertEqual(order, [1, 2, 3])
    }

    func testAnUnboundedSemaphoreMayGrow() throws {
        let semaphore = GreenSemaphore(1)
        try semaphore.release()
        XCTAssertEqual(semaphore.availablePermits, 2)
    }

    func testBoundedSemaphoreOverReleaseIsAnError() throws {
        let semaphore = GreenBoundedSemaphore(2, name: "slots")
        XCTAssertThrowsError(try semaphore.release()) { error in
            XCTAssertEqual((error as? GreenSyncError)?.code, .overReleased)
            XCTAssertTrue("\(error)".contains("GreenBoundedSemaphore 'slots'"), "\(error)")
        }
        try semaphore.acquire()
        try semaphore.release()
        XCTAssertThrowsError(try semaphore.release())
        XCTAssertEqual(semaphore.availablePermits, 2)
    }

    func testTimeoutsAndKilledWaiters() throws {
        let semaphore = GreenSemaphore(0)
        XCTAssertFalse(try semaphore.acquire(blocking: false))
        XCTAssertFalse(try semaphore.acquire(timeout: 0.01))
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try semaphore.acquire(timeout: 5) }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        let doomed = Green.spawn { try semaphore.acquire() }
        let survivor = Green.spawn { try semaphore.acquire() }
        try Green.sleep(0)
        try doomed.kill()
        try semaphore.release()
        XCTAssertTrue(try survivor.get())
        XCTAssertEqual(semaphore.availablePermits, 0)
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let semaphore = GreenBoundedSemaphore(1)
        assertWrongThread { try semaphore.acquire() }
        assertWrongThread { try semaphore.release() }
        XCTAssertEqual(semaphore.availablePermits, 1)
    }

    func testWaitingForAPermitNoOneCanReleaseIsADeadlockThatNamesIt() throws {
        let semaphore = GreenSemaphore(0, name: "tickets")
        assertDeadlock(mentioning: ["GreenSemaphore 'tickets' (0 permits free, 1 waiting) — acquire"]) {
            try semaphore.acquire()
        }
    }
}
