import GreenHub
import Greenlets
import XCTest

final class GreenChannelTests: XCTestCase {
    func testPutWaitsForAGetter() throws {
        let channel = GreenChannel<String>()
        var log: [String] = []
        let putter = Green.spawn {
            try channel.put("ping")
            log.append("put returned")
        }
        try Green.sleep(0)
        XCTAssertFalse(putter.isReady)
        log.append("getting")
        XCTAssertEqual(try channel.get(), "ping")
        try putter.join()
        XCTAssertEqual(log, ["getting", "put returned"])
    }

    func testGetWaitsForAPutterAndGettersAreServedInOrder() throws {
        let channel = GreenChannel<Int>()
        var received: [String] = []
        let getters = (1...2).map { index in
            Green.spawn { received.append("\(index):\(try channel.get())") }
        }
        try Green.sleep(0)
        try channel.put(1)
        try channel.put(2)
        try Green.joinAll(getters)
        XCTAssertEqual(received, ["1:1", "2:2"])
    }

    func testNowaitNeedsAPartnerWaiting() throws {
        let channel = GreenChannel<Int>()
        XCTAssertThrowsError(try channel.putNowait(1)) { XCTAssertEqual(($0 as? GreenQueueError)?.code, .full) }
        XCTAssertThrowsError(try channel.getNowait()) { XCTAssertEqual(($0 as? GreenQueueError)?.code, .empty) }
        let getter = Green.spawn { try channel.get() }
        try Green.sleep(0)
        try channel.putNowait(3)
        XCTAssertEqual(try getter.get(), 3)
        let putter = Green.spawn { try channel.put(4) }
        try Green.sleep(0)
        XCTAssertEqual(try channel.getNowait(), 4)
        try putter.join()
    }

    func testTimeoutsAndAKilledGetter() throws {
        let channel = GreenChannel<Int>()
        XCTAssertThrowsError(try channel.put(1, timeout: 0.01)) { XCTAssertEqual(($0 as? GreenQueueError)?.code, .full) }
        XCTAssertThrowsError(try channel.get(timeout: 0.01)) { XCTAssertEqual(($0 as? GreenQueueError)?.code, .empty) }
        XCTAssertThrowsError(try Green.withTimeout(0.01) { _ = try channel.get() }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        let doomed = Green.spawn { try channel.get() }
        try Green.sleep(0)
        try doomed.kill()
        let putter = Green.spawn { try channel.put(8) }
        try Green.sleep(0)
        XCTAssertFalse(putter.isReady)  // the killed getter did not take it
        XCTAssertEqual(try channel.get(), 8)
        try putter.join()
    }

    func testShutDownEndsIterationAndWakesWaiters() throws {
        let channel = GreenChannel<Int>(name: "pipe")
        var seen: [Int] = []
        let consumer = Green.spawn {
            for item in channel { seen.append(item) }
        }
        for item in 1...3 { try channel.put(item) }
        try Green.sleep(0)
        try channel.shutDown()
        try consumer.join()
        XCTAssertNil(consumer.error)
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertTrue(channel.isShutDown)
        XCTAssertThrowsError(try channel.put(4)) { XCTAssertEqual(($0 as? GreenQueueError)?.code, .shutDown) }

        let unheard = GreenChannel<Int>()
        let blockedPutter = Green.spawn { try unheard.put(99) }
        try Green.sleep(0)
        try unheard.shutDown()
        try blockedPutter.join()
        XCTAssertEqual((blockedPutter.error as? GreenQueueError)?.code, .shutDown)
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let channel = GreenChannel<Int>()
        assertWrongThread { try channel.putNowait(1) }
        assertWrongThread { _ = try channel.getNowait() }
    }

    func testPuttingWithNoGetterIsADeadlockThatNamesTheChannel() throws {
        let channel = GreenChannel<Int>(name: "pipe")
        assertDeadlock(mentioning: ["greenlet 'main' waits on GreenChannel 'pipe' (put; 1 putter waiting)"]) {
            try channel.put(1)
        }
    }
}
