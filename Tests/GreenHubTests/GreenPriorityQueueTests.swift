import GreenHub
import Greenlets
import XCTest

private struct Job: Comparable {
    var priority: Int
    var name: String

    static func < (lhs: Job, rhs: Job) -> Bool { lhs.priority < rhs.priority }
}

final class GreenPriorityQueueTests: XCTestCase {
    func testTheSmallestItemComesOutFirst() throws {
        let queue = GreenPriorityQueue<Job>()
        for (priority, name) in [(3, "c"), (1, "a"), (2, "b")] {
            try queue.put(Job(priority: priority, name: name))
        }
        XCTAssertEqual(try queue.peek().name, "a")
        XCTAssertEqual(try (1...3).map { _ in try queue.get().name }, ["a", "b", "c"])
    }

    func testAWaitingGetterGetsTheFirstItemPut() throws {
        let queue = GreenPriorityQueue<Int>(maxSize: 2)
        let getter = Green.spawn { try queue.get() }
        try Green.sleep(0)
        try queue.put(5)
        try queue.put(1)
        XCTAssertEqual(try getter.get(), 5)
        XCTAssertEqual(try queue.get(), 1)
    }

    func testShutDownAndTasksWorkAsInAQueue() throws {
        let queue = GreenPriorityQueue<Int>()
        try queue.put(2)
        try queue.put(1)
        try queue.shutDown()
        XCTAssertEqual(Array(queue), [1, 2])
        try queue.taskDone()
        try queue.taskDone()
        XCTAssertTrue(try queue.join())
    }
}
