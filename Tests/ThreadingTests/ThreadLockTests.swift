import Synchronization
import Threading
import XCTest

final class ThreadLockTests: XCTestCase {
    func testATimedOutAcquireReturnsFalse() throws {
        let lock = ThreadLock()
        XCTAssertTrue(lock.acquire())
        let attempt = OSThread { (lock.acquire(timeout: 0.05), lock.acquire(timeout: .milliseconds(10)), lock.acquire(blocking: false)) }
        try attempt.start()
        let (timed, timedDuration, nonBlocking) = try attempt.get()
        XCTAssertFalse(timed)
        XCTAssertFalse(timedDuration)
        XCTAssertFalse(nonBlocking)
        try lock.release()
        XCTAssertFalse(lock.isLocked)
    }

    func testReleasingAnUnlockedLockThrows() {
        let lock = ThreadLock()
        XCTAssertThrowsError(try lock.release()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .releaseUnlocked)
        }
    }

    func testAWaiterGetsTheLockWhenItIsReleased() throws {
        let lock = ThreadLock()
        lock.acquire()
        let waiter = OSThread { () -> Bool in
            let got = lock.acquire(timeout: 30)
            try lock.release()
            return got
        }
        try waiter.start()
        XCTAssertFalse(try waiter.join(timeout: 0.05))
        try lock.release()
        XCTAssertTrue(try waiter.get())
    }

    func testWithLockKeepsCountersExact() throws {
        let lock = ThreadLock()
        let counter = UnsynchronizedCounter()
        let workers = (0..<4).map { _ in
            OSThread {
                for _ in 0..<10_000 { try lock.withLock { counter.unsafeIncrement() } }
            }
        }
        for worker in workers { try worker.start() }
        for worker in workers { try worker.get() }
        XCTAssertEqual(counter.value, 40_000)
    }

    func testAReentrantLockCanBeTakenAgainByItsHolder() throws {
        let lock = ThreadRLock()
        XCTAssertTrue(lock.acquire())
        XCTAssertTrue(lock.acquire(blocking: false))
        XCTAssertTrue(lock.isHeldByCurrentThread)
        let other = OSThread { (lock.acquire(timeout: 0.05), lock.acquire(blocking: false, timeout: .seconds(1))) }
        try other.start()
        let (timed, nonBlocking) = try other.get()
        XCTAssertFalse(timed)
        XCTAssertFalse(nonBlocking)
        try lock.release()
        XCTAssertTrue(lock.isHeldByCurrentThread, "one release of two leaves it held")
        try lock.release()
        XCTAssertFalse(lock.isHeldByCurrentThread)
        let taker = OSThread { () -> Bool in
            let got = lock.acquire(timeout: 30)
            try lock.release()
            return got
        }
        try taker.start()
        XCTAssertTrue(try taker.get())
    }

    func testReleasingAReentrantLockFromAnotherThreadThrowsNotOwner() throws {
        let lock = ThreadRLock()
        lock.acquire()
        let intruder = OSThread { () -> ThreadingError.Code? in
            do {
                try lock.release()
                return nil
            } catch {
                return (error as? ThreadingError)?.code
            }
        }
        try intruder.start()
        XCTAssertEqual(try intruder.get(), .notOwner)
        XCTAssertTrue(lock.isHeldByCurrentThread)
        try lock.release()
        XCTAssertThrowsError(try lock.release()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .notOwner)
        }
    }

    func testReentrantWithLockNests() throws {
        let lock = ThreadRLock()
        let depth = lock.withLock { lock.withLock { 2 } }
        XCTAssertEqual(depth, 2)
        XCTAssertFalse(lock.isHeldByCurrentThread)
    }
}

/// A counter whose increment is deliberately unsynchronised: only a lock around it keeps
/// the total exact.
final class UnsynchronizedCounter: @unchecked Sendable {
    private var count = 0

    func unsafeIncrement() { count += 1 }

    var value: Int { count }
}
