import GreenHub
import Greenlets
import XCTest

final class GreenPoolTests: XCTestCase {
    func testNoMoreThanSizeRunAtOnce() throws {
        let pool = GreenPool(size: 3)
        var running = 0
        var mostRunning = 0
        for _ in 0..<10 {
            try pool.spawn {
                running += 1
                mostRunning = max(mostRunning, running)
                try Green.sleep(0.001)
                running -= 1
            }
            XCTAssertLessThanOrEqual(pool.count, 3)
        }
        XCTAssertTrue(try pool.join())
        XCTAssertEqual(mostRunning, 3)
        XCTAssertEqual(pool.freeCount, 3)
        XCTAssertTrue(pool.isEmpty)
    }

    func testSpawnWaitsForAFreeSlotAndSpawnersGoInOrder() throws {
        let pool = GreenPool(size: 1)
        let gate = GreenEvent()
        try pool.spawn(name: "first") { try gate.wait() }
        XCTAssertTrue(pool.isFull)
        XCTAssertEqual(pool.freeCount, 0)
        var order: [Int] = []
        let spawners = (1...2).map { index in
            Green.spawn {
                try pool.spawn { order.append(index) }
            }
        }
        try Green.sleep(0)
        XCTAssertFalse(spawners.contains { $0.isReady })
        XCTAssertTrue(pool.description.contains("2 spawners waiting"), pool.description)
        try gate.set()
        try Green.joinAll(spawners, raiseError: true)
        try pool.join()
        XCTAssertEqual(order, [1, 2])
        XCTAssertEqual(pool.freeCount, 1)
    }

    func testMapKeepsTheOrderOfTheInputs() throws {
        let pool = GreenPool(size: 2)
        var running = 0
        var mostRunning = 0
        let results = try pool.map([3, 1, 2, 5, 4]) { (value: Int) -> Int in
            running += 1
            mostRunning = max(mostRunning, running)
            try Green.sleep(Double(value) * 0.001)
            running -= 1
            return value * 10
        }
        XCTAssertEqual(results, [30, 10, 20, 50, 40])
        XCTAssertEqual(mostRunning, 2)
        XCTAssertTrue(pool.isEmpty)
    }

    func testMapThrowsTheFirstErrorAndKillsTheRest() throws {
        let pool = GreenPool(size: 4)
        var cleanedUp = 0
        XCTAssertThrowsError(
            try pool.map(0..<4) { (value: Int) -> Int in
                defer { cleanedUp += 1 }
                if value == 2 { throw PrimitiveTestFailure(code: value) }
                try Green.sleep(10)
                return value
            }
        ) { XCTAssertEqual($0 as? PrimitiveTestFailure, PrimitiveTestFailure(code: 2)) }
        XCTAssertEqual(cleanedUp, 4)
        XCTAssertTrue(pool.isEmpty)
    }

    func testImapUnorderedYieldsResultsAsTheyArrive() throws {
        let pool = GreenPool(size: 3)
        let gates = (0..<3).map { _ in GreenEvent() }
        var results = try pool.imapUnordered(0..<3) { (index: Int) -> Int in
            try gates[index].wait()
            return index
        }
        try gates[2].set()
        XCTAssertEqual(try results.nextValue(), 2)
        try gates[0].set()
        XCTAssertEqual(try results.nextValue(), 0)
        try gates[1].set()
        XCTAssertEqual(try results.nextValue(), 1)
        XCTAssertNil(try results.nextValue())
        XCTAssertTrue(pool.isEmpty)
    }

    func testImapUnorderedKeepsThePoolBusyAndReportsErrorsAsElements() throws {
        let pool = GreenPool(size: 2)
        var running = 0
        var mostRunning = 0
        var values: [Int] = []
        var failures = 0
        for outcome in try pool.imapUnordered(1...6, { (value: Int) -> Int in
            running += 1
            mostRunning = max(mostRunning, running)
            defer { running -= 1 }
            try Green.sleep(0.001)
            if value == 4 { throw PrimitiveTestFailure(code: 4) }
            return value
        }) {
            switch outcome {
            case .success(let value): values.append(value)
            case .failure: failures += 1
            }
        }
        XCTAssertEqual(values.sorted(), [1, 2, 3, 5, 6])
        XCTAssertEqual(failures, 1)
        XCTAssertEqual(mostRunning, 2)
        XCTAssertTrue(pool.isEmpty)
    }

    func testImapYieldsInInputOrder() throws {
        let pool = GreenPool(size: 3)
        let gates = (0..<3).map { _ in GreenEvent() }
        let results = try pool.imap(0..<3) { (index: Int) -> Int in
            try gates[index].wait()
            return index * 2
        }
        for gate in gates.reversed() { try gate.set() }
        XCTAssertEqual(try results.map { try $0.get() }, [0, 2, 4])
    }

    func testKillAllAndJoinTimeout() throws {
        let pool = GreenPool(size: 5)
        for _ in 0..<5 {
            try pool.spawn { try Green.sleep(10) }
        }
        XCTAssertFalse(try pool.join(timeout: 0.01))
        XCTAssertEqual(pool.count, 5)
        try pool.killAll()
        XCTAssertTrue(pool.isEmpty)
        XCTAssertEqual(pool.freeCount, 5)
    }

    func testAddWaitsForASlotAndDiscardFreesOne() throws {
        let pool = GreenPool(size: 1)
        let gate = GreenEvent()
        let first = Green.spawn { try gate.wait() }
        let second = Green.spawn { try gate.wait() }
        try pool.add(first)
        XCTAssertTrue(pool.contains(first))
        let adder = Green.spawn { try pool.add(second) }
        try Green.sleep(0)
        XCTAssertFalse(adder.isReady)
        try pool.discard(first)
        try adder.join()
        XCTAssertEqual(pool.threads.map(\.name), [second.name])
        try gate.set()
        try pool.join()
        try first.join()
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let pool = GreenPool(size: 1)
        assertWrongThread { try pool.spawn {} }
        assertWrongThread { try pool.join() }
        XCTAssertTrue(pool.isEmpty)
    }

    func testSpawningIntoAPoolThatNeverFreesASlotIsADeadlockThatNamesIt() throws {
        let pool = GreenPool(size: 1, name: "workers")
        let gate = GreenEvent(name: "gate")
        try pool.spawn(name: "stuck") { try gate.wait() }
        try Green.sleep(0)
        assertDeadlock(mentioning: [
            "greenlet 'main' waits on GreenPool 'workers' (1 of 1 slots taken, 1 spawner waiting) — a free slot to spawn",
            "greenlet 'stuck' waits on GreenEvent 'gate'",
        ]) {
            try pool.spawn {}
        }
        try pool.killAll()
        XCTAssertEqual(pool.freeCount, 1)
    }
}
