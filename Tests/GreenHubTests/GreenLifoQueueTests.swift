import GreenHub
import Greenlets
import XCTest

final class GreenLifoQueueTests: XCTestCase {
    func testTheNewestItemComesOutFirst() throws {
        let queue = GreenLifoQueue<Int>()
        for item in 1...4 { try queue.put(item) }
        XCTAssertEqual(try queue.peek(), 4)
        XCTAssertEqual(try (1...4).map { _ in try queue.get() }, [4, 3, 2, 1])
    }

    func testABoundedLifoQueueLetsAWaitingPutterInWhenAnItemLeaves() throws {
        let queue = GreenLifoQueue<Int>(maxSize: 2)
        try queue.put(1)
        try queue.put(2)
        let putter = Green.spawn { try queue.put(3) }
        try Green.sleep(0)
        XCTAssertEqual(try queue.get(), 2)
        try putter.join()
        XCTAssertEqual(try queue.get(), 3)
        XCTAssertEqual(try queue.get(), 1)
    }

    func testDeadlockReportNamesIt() throws {
        let queue = GreenLifoQueue<Int>(name: "stack")
        assertDeadlock(mentioning: ["GreenLifoQueue 'stack' (get; empty, 1 getter waiting)"]) {
            _ = try queue.get()
        }
    }
}
