import GreenHub
import Greenlets
import XCTest

final class GreenQueueTests: XCTestCase {
    private func assertQueueError(
        _ code: GreenQueueError.Code,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ body: () throws -> Void
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? GreenQueueError)?.code, code, "\(error)", file: file, line: line)
        }
    }

    // MARK: Basics

    func testItemsComeOutInTheOrderTheyWentIn() throws {
        let queue = GreenQueue<Int>()
        XCTAssertTrue(queue.isEmpty)
        for item in 1...5 { try queue.put(item) }
        XCTAssertEqual(queue.count, 5)
        XCTAssertFalse(queue.isFull)
        XCTAssertEqual(try queue.peek(), 1)
        XCTAssertEqual(try (1...5).map { _ in try queue.get() }, [1, 2, 3, 4, 5])
        XCTAssertTrue(queue.isEmpty)
    }

    func testNowaitCallsFailWithEmptyAndFull() throws {
        let queue = GreenQueue<String>(maxSize: 1, name: "one")
        assertQueueError(.empty) { _ = try queue.getNowait() }
        assertQueueError(.empty) { _ = try queue.peekNowait() }
        try queue.putNowait("a")
        XCTAssertTrue(queue.isFull)
        assertQueueError(.full) { try queue.putNowait("b") }
        XCTAssertEqual(try queue.peekNowait(), "a")
        XCTAssertEqual(try queue.getNowait(), "a")
    }

    // MARK: Blocking and fairness

    func testGettersAreServedInTheOrderTheyCame() throws {
        let queue = GreenQueue<Int>()
        var received: [String] = []
        let getters = (1...3).map { index in
            Green.spawn { received.append("getter \(index) got \(try queue.get())") }
        }
        try Green.sleep(0)
        XCTAssertTrue(queue.description.contains("3 getters waiting"), queue.description)
        for item in [10, 20, 30] { try queue.put(item) }
        // Handed straight to the getters: nothing is stored for a newcomer to take.
        XCTAssertTrue(queue.isEmpty)
        try Green.joinAll(getters)
        XCTAssertEqual(received, ["getter 1 got 10", "getter 2 got 20", "getter 3 got 30"])
    }

    func testPutBlocksWhileFullAndPuttersGoInTheOrderTheyCame() throws {
        let queue = GreenQueue<Int>(maxSize: 2)
        try queue.put(1)
        try queue.put(2)
        let putters = (3...5).map { item in Green.spawn { try queue.put(item) } }
        try Green.sleep(0)
        XCTAssertEqual(queue.count, 2)
        XCTAssertFalse(putters.contains { $0.isReady })
        var taken: [Int] = []
        for _ in 1...5 {
            taken.append(try queue.get())
            XCTAssertLessThanOrEqual(queue.count, 2)
        }
        try Green.joinAll(putters)
        XCTAssertEqual(taken, [1, 2, 3, 4, 5])
    }

    // MARK: Timeouts

    func testTimeouts() throws {
        let queue = GreenQueue<Int>(maxSize: 1)
        assertQueueError(.empty) { _ = try queue.get(timeout: 0.01) }
        assertQueueError(.empty) { _ = try queue.peek(timeout: 0.01) }
        try queue.put(1)
        assertQueueError(.full) { try queue.put(2, timeout: 0.01) }
        XCTAssertEqual(queue.count, 1)
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try queue.put(3, timeout: 5) }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        XCTAssertEqual(try queue.get(), 1)
        XCTAssertThrowsError(try Green.withTimeout(0.01) { _ = try queue.get() }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        // Neither timed-out put left its item behind.
        XCTAssertTrue(queue.isEmpty)
    }

    func testAGetAfterATimedOutGetReceivesTheNextItem() throws {
        // Each timed-out get leaves a spent entry in the queue's list of getters; the
        // next wait of the same greenlet must not be confused with it, however waits are
        // reused underneath.
        let queue = GreenQueue<Int>()
        for round in 1...5 {
            assertQueueError(.empty) { _ = try queue.get(timeout: 0.001) }
            let putter = Green.spawn {
                try Green.sleep(0.001)
                try queue.put(round)
            }
            XCTAssertEqual(try queue.get(), round)
            try putter.join()
        }
        XCTAssertTrue(queue.isEmpty)
    }

    // MARK: Kills

    func testAKilledGetterDoesNotEatAnItem() throws {
        let queue = GreenQueue<Int>()
        let doomed = Green.spawn(name: "doomed") { try queue.get() }
        let impatient = Green.spawn(name: "impatient") { try queue.get(timeout: 0.001) }
        try Green.sleep(0)
        try doomed.kill()
        XCTAssertThrowsError(try impatient.get())
        try queue.put(7)
        let second = Green.spawn(name: "second") { try queue.get() }
        XCTAssertEqual(try second.get(), 7)
        XCTAssertTrue(queue.isEmpty)
    }

    func testAGetterKilledAfterBeingHandedAnItemStillReturnsIt() throws {
        let queue = GreenQueue<Int>()
        var received: [Int] = []
        let getter = Green.spawn {
            received.append(try queue.get())
            try Green.sleep(10)  // the kill arrives here
        }
        try Green.sleep(0)
        try queue.put(42)  // handed to the getter, which has not run yet
        try getter.kill()
        XCTAssertEqual(received, [42])
    }

    func testAKilledPutterDoesNotDeliverItsItem() throws {
        let queue = GreenQueue<String>(maxSize: 1)
        try queue.put("first")
        let doomed = Green.spawn { try queue.put("never") }
        try Green.sleep(0)
        try doomed.kill()
        XCTAssertEqual(try queue.get(), "first")
        assertQueueError(.empty) { _ = try queue.getNowait() }
    }

    // MARK: Tasks

    func testJoinWaitsUntilEveryItemIsDone() throws {
        let queue = GreenQueue<Int>()
        var processed: [Int] = []
        let worker = Green.spawn {
            while true {
                let item = try queue.get()
                try Green.sleep(0)
                processed.append(item)
                try queue.taskDone()
            }
        }
        for item in 1...3 { try queue.put(item) }
        XCTAssertEqual(queue.unfinishedTasks, 3)
        XCTAssertTrue(try queue.join())
        XCTAssertEqual(processed, [1, 2, 3])
        XCTAssertEqual(queue.unfinishedTasks, 0)
        try worker.kill()
    }

    func testJoinTimeoutAndTaskDoneTooManyTimes() throws {
        let queue = GreenQueue<Int>(name: "tasks")
        XCTAssertTrue(try queue.join(timeout: 0))
        try queue.put(1)
        XCTAssertFalse(try queue.join(timeout: 0.01))
        _ = try queue.get()
        try queue.taskDone()
        assertQueueError(.taskDoneTooManyTimes) { try queue.taskDone() }
        XCTAssertTrue(try queue.join())
    }

    // MARK: Shutting down

    func testShutDownWakesWaitingGettersAndPutters() throws {
        let empty = GreenQueue<Int>()
        let getter = Green.spawn { try empty.get() }
        let peeker = Green.spawn { try empty.peek() }
        let full = GreenQueue<Int>(maxSize: 1)
        try full.put(1)
        let putter = Green.spawn { try full.put(2) }
        try Green.sleep(0)
        try empty.shutDown()
        try full.shutDown()
        for thread in [getter, peeker, putter] as [AnyGreenThread] {
            try thread.join()
            XCTAssertEqual((thread.error as? GreenQueueError)?.code, .shutDown, "\(String(describing: thread.error))")
        }
        // The putter's item never went in; what was there still comes out.
        XCTAssertEqual(try full.get(), 1)
        assertQueueError(.shutDown) { _ = try full.get() }
        assertQueueError(.shutDown) { try empty.put(3) }
        XCTAssertTrue(empty.isShutDown)
    }

    func testGetsDrainWhatIsLeftAfterShutDown() throws {
        let queue = GreenQueue<Int>()
        for item in 1...3 { try queue.put(item) }
        try queue.shutDown()
        assertQueueError(.shutDown) { try queue.put(4) }
        XCTAssertEqual(Array(queue), [1, 2, 3])
        assertQueueError(.shutDown) { _ = try queue.get() }
        assertQueueError(.shutDown) { _ = try queue.peek() }
    }

    func testImmediateShutDownDropsTheItemsAndReleasesJoin() throws {
        let queue = GreenQueue<Int>()
        for item in 1...3 { try queue.put(item) }
        let joiner = Green.spawn { try queue.join() }
        try Green.sleep(0)
        try queue.shutDown(immediate: true)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertTrue(try joiner.get())
        XCTAssertEqual(queue.unfinishedTasks, 0)
        assertQueueError(.shutDown) { _ = try queue.get() }
    }

    // MARK: Iteration

    func testIterationGetsItemsUntilShutDown() throws {
        let queue = GreenQueue<Int>(maxSize: 2)
        var seen: [Int] = []
        let consumer = Green.spawn {
            for item in queue { seen.append(item) }
        }
        for item in 1...5 { try queue.put(item) }
        try queue.shutDown()
        try consumer.join()
        XCTAssertNil(consumer.error)
        XCTAssertEqual(seen, [1, 2, 3, 4, 5])
    }

    func testAKillDuringIterationIsRaisedAtTheNextWait() throws {
        let queue = GreenQueue<Int>()
        var afterLoop = false
        let consumer = Green.spawn {
            for _ in queue {}
            afterLoop = true
            try Green.sleep(0)
            XCTFail("the kill should have been raised")
        }
        try Green.sleep(0)
        try consumer.kill()
        XCTAssertTrue(afterLoop)
        XCTAssertTrue(consumer.isReady)
        XCTAssertNil(consumer.error)
    }

    // MARK: Peeking

    func testBlockingPeekSeesAnItemWithoutTakingIt() throws {
        let queue = GreenQueue<Int>()
        let peeker = Green.spawn { try queue.peek() }
        try Green.sleep(0)
        try queue.put(9)
        XCTAssertEqual(try peeker.get(), 9)
        XCTAssertEqual(queue.count, 1)
    }

    // MARK: Misuse

    func testUseFromAnotherThreadIsAnError() throws {
        let queue = GreenQueue<Int>()
        assertWrongThread { try queue.put(1) }
        assertWrongThread { _ = try queue.get() }
        assertWrongThread { try queue.taskDone() }
        assertWrongThread { try queue.shutDown() }
        XCTAssertTrue(queue.isEmpty)
        XCTAssertFalse(queue.isShutDown)
    }

    func testGettingFromAQueueNoOneFillsIsADeadlockThatNamesIt() throws {
        let queue = GreenQueue<Int>(name: "jobs")
        assertDeadlock(mentioning: ["greenlet 'main' waits on GreenQueue 'jobs' (get; empty, 1 getter waiting)"]) {
            _ = try queue.get()
        }
        let full = GreenQueue<Int>(maxSize: 1, name: "out")
        try full.put(1)
        assertDeadlock(mentioning: ["GreenQueue 'out' (put; 1 of 1 items, full, 1 putter waiting, 1 unfinished task)"]) {
            try full.put(2)
        }
    }
}
