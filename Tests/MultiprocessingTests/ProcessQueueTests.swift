#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

private struct Order: Codable, Equatable, Sendable {
    var id: Int
    var item: String
    var note: String?
}

final class ProcessQueueTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testFIFOAndErrors() throws {
        let queue = try ProcessQueue<Order>(maxSize: 2)
        XCTAssertTrue(queue.isEmpty)
        try queue.put(Order(id: 1, item: "tea", note: nil))
        try queue.putNowait(Order(id: 2, item: "cake", note: "warm"))
        XCTAssertThrowsError(try queue.put(Order(id: 3, item: "x"), timeout: 0.01)) {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .queueFull)
        }
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(try queue.get(), Order(id: 1, item: "tea", note: nil))
        XCTAssertEqual(try queue.getNowait(), Order(id: 2, item: "cake", note: "warm"))
        XCTAssertThrowsError(try queue.get(timeout: 0.01)) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .queueEmpty) }
        queue.close()
        XCTAssertThrowsError(try queue.put(Order(id: 4, item: "y"))) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .queueClosed) }
        XCTAssertThrowsError(try ProcessQueue<Int>(maxSize: -1))
    }

    func testSimpleAndJoinableQueues() throws {
        let simple = try SimpleProcessQueue<String>()
        try simple.put("hello")
        XCTAssertEqual(try simple.get(), "hello")
        XCTAssertTrue(simple.isEmpty)

        let tasks = try JoinableProcessQueue<Int>()
        let results = try SimpleProcessQueue<Int>()
        for n in 1...3 { try tasks.put(n) }
        let worker = ChildProcess(startMethod: .fork) {
            for _ in 1...3 {
                try results.put(try tasks.get() * 10)
                try tasks.taskDone()
            }
        }
        try worker.start()
        XCTAssertTrue(try tasks.join(timeout: 30))
        try worker.join()
        XCTAssertEqual(try (0..<3).map { _ in try results.get() }.sorted(), [10, 20, 30])
        XCTAssertThrowsError(try tasks.taskDone()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .tooManyTaskDone) }
    }

    /// 1M messages from 4 producers to 4 consumers arrive exactly once.
    func testMillionMessagesFourToFourExactlyOnce() throws {
        let producers = 4, consumers = 4, perProducer = 250_000
        let queue = try ProcessQueue<Int>()
        let tallies = try SharedArray<Int>(repeating: 0, count: consumers * 3, locked: false)
        let producerProcesses = (0..<producers).map { p in
            ChildProcess(startMethod: .fork) {
                for i in 0..<perProducer { try queue.put(p * perProducer + i) }
            }
        }
        let consumerProcesses = (0..<consumers).map { c in
            ChildProcess(startMethod: .fork) {
                var count = 0, sum = 0, squares = 0
                while true {
                    let value = try queue.get()
                    if value < 0 { break }
                    count += 1
                    sum &+= value
                    squares &+= value &* value
                }
                tallies[c * 3] = count
                tallies[c * 3 + 1] = sum
                tallies[c * 3 + 2] = squares
            }
        }
        for process in producerProcesses + consumerProcesses { try process.start() }
        for process in producerProcesses { try process.join() }
        for _ in 0..<consumers { try queue.put(-1) }
        for process in consumerProcesses { try process.join() }
        for process in producerProcesses + consumerProcesses { XCTAssertEqual(process.exitCode, 0) }
        let total = producers * perProducer
        var count = 0, sum = 0, squares = 0
        for c in 0..<consumers {
            count += tallies[c * 3]
            sum &+= tallies[c * 3 + 1]
            squares &+= tallies[c * 3 + 2]
        }
        XCTAssertEqual(count, total)
        XCTAssertEqual(sum, (0..<total).reduce(0, &+))
        XCTAssertEqual(squares, (0..<total).reduce(0) { $0 &+ $1 &* $1 })
        XCTAssertTrue(queue.isEmpty)
    }

    /// A child exits right after putting 10 MB: the parent's join returns and every byte
    /// arrives.
    func testJoinAfterBigPutDoesNotDeadlock() throws {
        let queue = try ProcessQueue<[UInt8]>()
        let size = 10 << 20
        let child = ChildProcess(startMethod: .fork) {
            try queue.put((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        }
        try child.start()
        XCTAssertTrue(try child.join(timeout: 60), "join must not wait for the parent to read")
        XCTAssertEqual(child.exitCode, 0)
        let received = try queue.get(timeout: 10)
        XCTAssertEqual(received.count, size)
        XCTAssertTrue(received.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset &* 31) })
    }

    /// A producer that dies in the middle of a put leaves no torn message behind.
    func testWriterCrashingMidMessageLeavesNoTornMessage() throws {
        let log = try SharedMessageLog(capacity: 1 << 20)
        let crasher = ChildProcess(startMethod: .fork) {
            _ = try log.put(length: 1000, timeout: nil) { buffer in
                buffer.initializeMemory(as: UInt8.self, repeating: 0xAB)
                kill(getpid(), SIGKILL)
            }
        }
        try crasher.start()
        try crasher.join()
        XCTAssertEqual(crasher.exitCode, -SIGKILL)
        XCTAssertTrue(try log.put(length: 3, timeout: nil) { $0.copyBytes(from: [1, 2, 3]) })
        let message = try log.get(timeout: 30) { Array($0) }
        XCTAssertEqual(message, [1, 2, 3])
        XCTAssertNil(try log.get(timeout: 0.01) { Array($0) })
    }

    func testRingWrapsAroundAndReleasesPages() throws {
        let log = try SharedMessageLog(capacity: 1 << 16)
        for round in 0..<2000 {
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 1 + round % 700)
            XCTAssertTrue(try log.put(length: payload.count, timeout: nil) { $0.copyBytes(from: payload) })
            XCTAssertEqual(try log.get(timeout: 1) { Array($0) }, payload)
        }
    }
}
