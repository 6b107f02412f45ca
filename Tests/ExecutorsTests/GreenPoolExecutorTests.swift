import Executors
import GreenHub
import Synchronization
import XCTest

final class GreenPoolExecutorTests: XCTestCase {
    private struct Boom: Error, Equatable {}

    func testMapKeepsInputOrderAndWorkOverlaps() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 50)
        defer { executor.shutdown() }
        let running = Mutex((now: 0, peak: 0))
        let outputs = try executor.map(Array(1...50)) { (n: Int) -> Int in
            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            try Green.sleep(Double(50 - n) / 5000)
            running.withLock { $0.now -= 1 }
            return n * n
        }
        XCTAssertEqual(outputs, (1...50).map { $0 * $0 })
        XCTAssertGreaterThan(running.withLock { $0.peak }, 1, "green threads ran side by side")
    }

    func testAtMostMaxGreenThreadsRunAtOnce() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 3)
        defer { executor.shutdown() }
        let running = Mutex((now: 0, peak: 0))
        _ = try executor.map(0..<12) { (_: Int) -> Int in
            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            try Green.sleep(0.005)
            running.withLock { $0.now -= 1 }
            return 0
        }
        XCTAssertEqual(running.withLock { $0.peak }, 3)
    }

    func testMapRethrowsTheFirstErrorInInputOrder() throws {
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        XCTAssertThrowsError(
            try executor.map([1, 2, 3]) { (n: Int) -> Int in
                if n == 2 { throw Boom() }
                return n
            }
        ) { XCTAssertEqual($0 as? Boom, Boom()) }
    }

    func testMapTimeoutCancelsWhatHasNotStarted() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 1)
        defer { executor.shutdown(wait: true, cancelFutures: true) }
        let started = Mutex(0)
        XCTAssertThrowsError(
            try executor.map(0..<20, timeout: .milliseconds(50)) { (_: Int) -> Int in
                started.withLock { $0 += 1 }
                try Green.sleep(0.03)
                return 0
            }
        ) { XCTAssertEqual(($0 as? ExecutorError)?.code, .timedOut) }
        executor.shutdown()
        XCTAssertLessThan(started.withLock { $0 }, 20, "the inputs still queued at the timeout never ran")
    }

    func testShutdownCancelsQueuedWorkAndRefusesMore() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 1)
        let first = try executor.submit { () -> Int in
            try Green.sleep(0.1)
            return 1
        }
        let queued = try executor.submit { 2 }
        executor.shutdown(wait: true, cancelFutures: true)
        XCTAssertEqual(try first.get(), 1, "running work finishes")
        XCTAssertTrue(queued.isCancelled)
        XCTAssertThrowsError(try executor.submit { 3 }) { XCTAssertEqual(($0 as? ExecutorError)?.code, .shutDown) }
    }

    func testShutdownWithoutCancellingRunsEverythingQueued() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 1)
        let futures = try (0..<5).map { n in
            try executor.submit { () -> Int in
                try Green.sleep(0.005)
                return n
            }
        }
        executor.shutdown(wait: true, cancelFutures: false)
        XCTAssertTrue(futures.allSatisfy(\.isReady))
        XCTAssertEqual(try futures.map { try $0.get() }, [0, 1, 2, 3, 4])
    }

    func testNonCodableValuesAreAccepted() throws {
        final class Box: Sendable { let n = 9 }
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        XCTAssertEqual(try executor.submit { Box() }.get().n, 9)
    }

    func testInvalidSizeIsRefused() {
        XCTAssertThrowsError(try GreenPoolExecutor(maxGreenThreads: 0)) {
            XCTAssertEqual(($0 as? ExecutorError)?.code, .invalidArgument)
        }
    }
}
