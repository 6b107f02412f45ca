import GreenHub
import Greenlets
import XCTest

final class GreenConditionTests: XCTestCase {
    func testProducerConsumer() throws {
        let condition = GreenCondition(name: "stock")
        var stock: [Int] = []
        var consumed: [Int] = []
        let consumer = Green.spawn {
            for _ in 0..<3 {
                try condition.withLock {
                    while stock.isEmpty { try condition.wait() }
                    consumed.append(stock.removeFirst())
                }
            }
        }
        for item in 1...3 {
            try Green.sleep(0)
            try condition.withLock {
                stock.append(item)
                try condition.notify()
            }
        }
        try consumer.join()
        XCTAssertEqual(consumed, [1, 2, 3])
    }

    func testNotifyWakesAtMostCountWaitersOldestFirst() throws {
        let condition = GreenCondition()
        var woken: [Int] = []
        let waiters = (1...4).map { index in
            Green.spawn {
                try condition.withLock {
                    try condition.wait()
                    woken.append(index)
                }
            }
        }
        try Green.sleep(0)
        try condition.withLock { try condition.notify(2) }
        try Green.sleep(0)
        XCTAssertEqual(woken, [1, 2])
        try condition.withLock { try condition.notify() }
        try Green.sleep(0)
        XCTAssertEqual(woken, [1, 2, 3])
        try condition.withLock { try condition.notifyAll() }
        try Green.joinAll(waiters)
        XCTAssertEqual(woken, [1, 2, 3, 4])
    }

    func testWaitReacquiresAReentrantLockAtItsFullDepth() throws {
        let lock = GreenRLock()
        let condition = GreenCondition(lock: lock)
        let waiter = Green.spawn { () -> Bool in
            try lock.acquire()
            try lock.acquire()
            let notified = try condition.wait()
            XCTAssertTrue(lock.isHeldByCurrentGreenlet)
            try lock.release()
            XCTAssertTrue(lock.isHeldByCurrentGreenlet)
            try lock.release()
            return notified
        }
        try Green.sleep(0)
        XCTAssertFalse(lock.isLocked)  // released fully while waiting
        try condition.withLock { try condition.notify() }
        XCTAssertTrue(try waiter.get())
        XCTAssertFalse(lock.isLocked)
    }

    func testWaitOverAPlainLock() throws {
        let lock = GreenLock()
        let condition = GreenCondition(lock: lock)
        var ready = false
        let waiter = Green.spawn {
            try condition.withLock {
                try condition.wait(until: { ready })
            }
        }
        try Green.sleep(0)
        XCTAssertFalse(lock.isLocked)
        try condition.withLock {
            ready = true
            try condition.notifyAll()
        }
        XCTAssertTrue(try waiter.get())
        XCTAssertFalse(lock.isLocked)
    }

    func testTimeoutsReturnFalseAndKeepTheLock() throws {
        let condition = GreenCondition()
        try condition.withLock {
            XCTAssertFalse(try condition.wait(timeout: 0.01))
            XCTAssertFalse(try condition.wait(timeout: 0.01, until: { false }))
            XCTAssertThrowsError(try Green.withTimeout(0.01) { try condition.wait() }) {
                XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
            }
            // Still held after each of them.
            try condition.notify()
        }
    }

    func testAKilledWaiterGivesTheLockBackAndIsSkippedByNotify() throws {
        let lock = GreenLock()
        let condition = GreenCondition(lock: lock)
        var woken: [String] = []
        let doomed = Green.spawn {
            try condition.withLock {
                try condition.wait()
                woken.append("doomed")
            }
        }
        let survivor = Green.spawn {
            try condition.withLock {
                try condition.wait()
                woken.append("survivor")
            }
        }
        try Green.sleep(0)
        try doomed.kill()
        XCTAssertFalse(lock.isLocked)
        try condition.withLock { try condition.notify() }
        try survivor.join()
        XCTAssertEqual(woken, ["survivor"])
    }

    func testWaitingOrNotifyingWithoutTheLockIsAnError() throws {
        let condition = GreenCondition(name: "c")
        XCTAssertThrowsError(try condition.wait()) { XCTAssertEqual(($0 as? GreenSyncError)?.code, .notLocked) }
        XCTAssertThrowsError(try condition.notify()) { XCTAssertEqual(($0 as? GreenSyncError)?.code, .notLocked) }
        let holder = Green.spawn { try condition.acquire() }
        try holder.join()
        XCTAssertThrowsError(try condition.notifyAll()) { XCTAssertEqual(($0 as? GreenSyncError)?.code, .notOwner) }
        let plain = GreenCondition(lock: GreenLock())
        XCTAssertThrowsError(try plain.notify()) { XCTAssertEqual(($0 as? GreenSyncError)?.code, .notLocked) }
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let condition = GreenCondition()
        assertWrongThread { try condition.acquire() }
        assertWrongThread { try condition.notify() }
        assertWrongThread { try condition.wait() }
    }

    func testWaitingForANotifyThatCannotComeIsADeadlockThatNamesTheCondition() throws {
        let condition = GreenCondition(name: "changed")
        try condition.withLock {
            assertDeadlock(mentioning: ["GreenCondition 'changed' (1 waiting; lock: GreenRLock 'changed' (unlocked, 0 waiting)) — wait"]) {
                try condition.wait()
            }
            XCTAssertTrue(condition.description.contains("held by greenlet 'main'"), condition.description)
        }
    }
}
