import Synchronization
import Threading
import WeaveTestSupport
import XCTest

final class ThreadBarrierTests: XCTestCase {
    func testNThreadsPassTogetherAndTheActionRunsOncePerRound() throws {
        let actions = Mutex(0)
        let barrier = ThreadBarrier(parties: 4) { actions.withLock { $0 += 1 } }
        let workers = (0..<4).map { _ in
            OSThread { () -> [Int] in
                try (0..<3).map { _ in try barrier.wait(timeout: 30) }
            }
        }
        for worker in workers { try worker.start() }
        let indices = try workers.map { try $0.get() }
        for round in 0..<3 {
            XCTAssertEqual(Set(indices.map { $0[round] }), Set(0..<4), "each round hands out every index once")
        }
        XCTAssertEqual(actions.withLock { $0 }, 3)
        XCTAssertFalse(barrier.isBroken)
        XCTAssertEqual(barrier.nWaiting, 0)
    }

    func testAbortBreaksTheWaitersAndResetRepairs() throws {
        let barrier = ThreadBarrier(parties: 3)
        let waiters = (0..<2).map { _ in OSThread { try barrier.wait(timeout: 30) } }
        for waiter in waiters { try waiter.start() }
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { barrier.nWaiting == 2 })
        barrier.abort()
        for waiter in waiters {
            XCTAssertThrowsError(try waiter.get()) { error in
                XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
            }
        }
        XCTAssertTrue(barrier.isBroken)
        XCTAssertThrowsError(try barrier.wait(timeout: 30)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
        }
        barrier.reset()
        XCTAssertFalse(barrier.isBroken)
        let again = (0..<3).map { _ in OSThread { try barrier.wait(timeout: 30) } }
        for thread in again { try thread.start() }
        XCTAssertEqual(Set(try again.map { try $0.get() }), [0, 1, 2])
    }

    func testATimedOutWaitBreaksTheBarrier() throws {
        let barrier = ThreadBarrier(parties: 3, timeout: .seconds(30))
        let patient = OSThread { try barrier.wait() }
        try patient.start()
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { barrier.nWaiting == 1 })
        XCTAssertThrowsError(try barrier.wait(timeout: 0.05)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
        }
        XCTAssertThrowsError(try patient.get(), "the other waiter is released broken") { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
        }
        XCTAssertTrue(barrier.isBroken)
    }

    func testResetWhileThreadsWaitBreaksThem() throws {
        let barrier = ThreadBarrier(parties: 2)
        let waiter = OSThread { try barrier.wait(timeout: 30) }
        try waiter.start()
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { barrier.nWaiting == 1 })
        barrier.reset()
        XCTAssertThrowsError(try waiter.get()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
        }
        XCTAssertFalse(barrier.isBroken, "after reset the barrier serves a new round")
    }

    func testAThrowingActionBreaksTheBarrierAndReachesItsThread() throws {
        struct ActionFailed: Error {}
        let barrier = ThreadBarrier(parties: 2) { throw ActionFailed() }
        let first = OSThread { try barrier.wait(timeout: 30) }
        try first.start()
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { barrier.nWaiting == 1 })
        XCTAssertThrowsError(try barrier.wait(timeout: 30)) { error in
            XCTAssertTrue(error is ActionFailed)
        }
        XCTAssertThrowsError(try first.get()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .brokenBarrier)
        }
        XCTAssertTrue(barrier.isBroken)
    }
}
