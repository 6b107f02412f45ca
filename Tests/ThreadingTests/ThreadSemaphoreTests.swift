import Synchronization
import Threading
import WeaveTestSupport
import XCTest

final class ThreadSemaphoreTests: XCTestCase {
    func testNoMoreThanTheInitialCountHoldAPermitAtOnce() throws {
        let semaphore = ThreadSemaphore(2)
        let inside = Mutex(0)
        let most = Mutex(0)
        let workers = (0..<6).map { _ in
            OSThread {
                try semaphore.withPermit {
                    let now = inside.withLock { $0 += 1; return $0 }
                    most.withLock { $0 = max($0, now) }
                    ThreadEvent().wait(timeout: 0.02)
                    inside.withLock { $0 -= 1 }
                }
            }
        }
        for worker in workers { try worker.start() }
        for worker in workers { try worker.get() }
        XCTAssertEqual(most.withLock { $0 }, 2)
        XCTAssertEqual(semaphore.value, 2)
    }

    func testAnEmptySemaphoreTimesOutAndReleaseHandsOutPermits() throws {
        let semaphore = ThreadSemaphore(0)
        XCTAssertFalse(semaphore.acquire(timeout: 0.05))
        XCTAssertFalse(semaphore.acquire(timeout: .milliseconds(10)))
        XCTAssertFalse(semaphore.acquire(blocking: false))
        let takers = (0..<3).map { _ in OSThread { semaphore.acquire(timeout: 30) } }
        for taker in takers { try taker.start() }
        try semaphore.release(3)
        for taker in takers { XCTAssertTrue(try taker.get()) }
        XCTAssertEqual(semaphore.value, 0)
        XCTAssertThrowsError(try semaphore.release(0)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .invalidArgument)
        }
    }

    func testABoundedSemaphoreRefusesAnExtraRelease() throws {
        let semaphore = ThreadBoundedSemaphore(2)
        XCTAssertThrowsError(try semaphore.release()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .overReleased)
        }
        XCTAssertTrue(semaphore.acquire())
        XCTAssertTrue(semaphore.acquire())
        XCTAssertFalse(semaphore.acquire(blocking: false))
        XCTAssertThrowsError(try semaphore.release(3)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .overReleased)
        }
        XCTAssertEqual(semaphore.value, 0, "a refused release gives nothing back")
        try semaphore.release(2)
        XCTAssertEqual(semaphore.value, 2)
    }
}
