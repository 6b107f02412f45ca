import Synchronization
import Threading
import WeaveTestSupport
import XCTest

final class ThreadConditionTests: XCTestCase {
    func testProducerAndConsumerHandOverEveryItemInOrder() throws {
        for condition in [ThreadCondition(), ThreadCondition(lock: ThreadLock())] {
            let items = Mutex<[Int]>([])
            let consumer = OSThread { () -> [Int] in
                var received: [Int] = []
                while received.count < 100 {
                    try condition.withLock {
                        _ = try condition.wait(for: { !items.withLock { $0.isEmpty } }, timeout: 30)
                        received += items.withLock { items in
                            defer { items.removeAll() }
                            return items
                        }
                    }
                }
                return received
            }
            try consumer.start()
            for item in 0..<100 {
                try condition.withLock {
                    items.withLock { $0.append(item) }
                    try condition.notify()
                }
            }
            XCTAssertEqual(try consumer.get(), Array(0..<100))
        }
    }

    func testTwoConditionsOnOneLockRunABoundedBufferWithoutLostWakeUps() throws {
        struct Stuck: Error {}
        let lock = ThreadRLock()
        let notEmpty = ThreadCondition(lock: lock)
        let notFull = ThreadCondition(lock: lock)
        let buffer = UncheckedBox<[Int]>([])
        let taken = UncheckedBox(0)
        let capacity = 4
        let perProducer = 500
        let total = 3 * perProducer
        let producers = (0..<3).map { producer in
            OSThread {
                for item in 0..<perProducer {
                    try notFull.withLock {
                        guard try notFull.wait(for: { buffer.value.count < capacity }, timeout: 30) else { throw Stuck() }
                        buffer.value.append(producer * perProducer + item)
                        try notEmpty.notify()
                    }
                }
            }
        }
        let consumers = (0..<3).map { _ in
            OSThread { () -> Int in
                var sum = 0
                while let item = try notEmpty.withLock({ () -> Int? in
                    guard try notEmpty.wait(for: { !buffer.value.isEmpty || taken.value == total }, timeout: 30) else {
                        throw Stuck()
                    }
                    guard taken.value < total else { return nil }
                    taken.value += 1
                    if taken.value == total { try notEmpty.notifyAll() }
                    try notFull.notify()
                    return buffer.value.removeFirst()
                }) {
                    sum += item
                }
                return sum
            }
        }
        for producer in producers { try producer.start() }
        for consumer in consumers { try consumer.start() }
        for producer in producers { try producer.get() }
        let sum = try consumers.reduce(0) { try $0 + $1.get() }
        XCTAssertEqual(sum, (0..<total).reduce(0, +))
        XCTAssertTrue(buffer.value.isEmpty)
    }

    func testAWaitWithATimeoutReturnsFalseWhenNeverNotified() throws {
        let condition = ThreadCondition()
        let notified = try condition.withLock { try condition.wait(timeout: 0.05) }
        XCTAssertFalse(notified)
        let viaDuration = try condition.withLock { try condition.wait(timeout: .milliseconds(20)) }
        XCTAssertFalse(viaDuration)
        let predicate = try condition.withLock { try condition.wait(for: { false }, timeout: 0.05) }
        XCTAssertFalse(predicate)
    }

    func testWaitingOrNotifyingWithoutTheLockThrows() {
        let condition = ThreadCondition()
        XCTAssertThrowsError(try condition.wait(timeout: 0)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .lockNotHeld)
        }
        XCTAssertThrowsError(try condition.notify()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .lockNotHeld)
        }
        XCTAssertThrowsError(try condition.notifyAll()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .lockNotHeld)
        }
    }

    func testNotifyWakesAsManyAsAskedAndNotifyAllTheRest() throws {
        let condition = ThreadCondition()
        let woken = Mutex(0)
        let waiting = Mutex(0)
        let waiters = (0..<4).map { _ in
            OSThread {
                try condition.withLock {
                    waiting.withLock { $0 += 1 }
                    if try condition.wait(timeout: 30) { woken.withLock { $0 += 1 } }
                }
            }
        }
        for waiter in waiters { try waiter.start() }
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { waiting.withLock { $0 } == 4 })
        try condition.withLock { try condition.notify(2) }
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { woken.withLock { $0 } == 2 })
        XCTAssertEqual(woken.withLock { $0 }, 2)
        try condition.withLock { try condition.notifyAll() }
        for waiter in waiters { try waiter.get() }
        XCTAssertEqual(woken.withLock { $0 }, 4)
    }

    func testWaitRestoresEveryLevelOfAReentrantLock() throws {
        let lock = ThreadRLock()
        let condition = ThreadCondition(lock: lock)
        let notifier = OSThread {
            try condition.withLock { try condition.notify() }
        }
        try lock.withLock {
            try lock.withLock {
                try notifier.start()
                XCTAssertTrue(try condition.wait(timeout: 30))
                XCTAssertTrue(lock.isHeldByCurrentThread)
            }
            XCTAssertTrue(lock.isHeldByCurrentThread, "the outer level survived the wait")
        }
        XCTAssertFalse(lock.isHeldByCurrentThread)
        try notifier.join()
    }
}
