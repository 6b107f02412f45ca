import Executors
import GreenHub
import Synchronization
import XCTest

final class PoolFutureTests: XCTestCase {
    private struct Boom: Error, Equatable {}

    func testCompletedFutureHandsOverItsValueAndRunsCallbacks() throws {
        let future = PoolFuture<Int>()
        let seen = Mutex<[String]>([])
        future.onSuccess { value in seen.withLock { $0.append("success \(value)") } }
        future.onFailure { _ in seen.withLock { $0.append("failure") } }
        XCTAssertFalse(future.isReady)
        XCTAssertTrue(future.markRunning())
        XCTAssertTrue(future.isRunning)
        future.complete(with: .success(7))
        future.complete(with: .success(8))
        XCTAssertEqual(try future.get(), 7, "the first completion wins")
        XCTAssertTrue(future.isReady)
        XCTAssertFalse(future.isRunning)
        future.onComplete { _ in seen.withLock { $0.append("late") } }
        XCTAssertEqual(seen.withLock { $0 }, ["success 7", "late"])
    }

    func testErrorOfTheWorkReachesEveryWaiter() throws {
        let future = PoolFuture<Int>()
        future.complete(with: .failure(Boom()))
        XCTAssertThrowsError(try future.get()) { XCTAssertEqual($0 as? Boom, Boom()) }
        XCTAssertFalse(future.isCancelled)
    }

    func testCancelOnlyWhilePending() throws {
        let pending = PoolFuture<Int>()
        XCTAssertTrue(pending.cancel())
        XCTAssertTrue(pending.isCancelled)
        XCTAssertFalse(pending.markRunning(), "a cancelled future's work must not start")
        XCTAssertThrowsError(try pending.get()) { XCTAssertEqual(($0 as? ExecutorError)?.code, .cancelled) }

        let running = PoolFuture<Int>()
        XCTAssertTrue(running.markRunning())
        XCTAssertFalse(running.cancel())
        running.complete(with: .success(1))
        XCTAssertEqual(try running.get(), 1)
    }

    func testTimedGetOnAPendingFutureThrowsTimedOutFromPlainCode() {
        let future = PoolFuture<Int>()
        XCTAssertThrowsError(try future.get(timeout: 0.02)) { XCTAssertEqual(($0 as? ExecutorError)?.code, .timedOut) }
        XCTAssertFalse(try future.wait(timeout: .milliseconds(10)))
    }

    func testPlainThreadBlocksUntilAnotherThreadCompletes() throws {
        let executor = try GreenPoolExecutor(maxGreenThreads: 2)
        defer { executor.shutdown() }
        let future = try executor.submit { () -> String in
            try Green.sleep(0.05)
            return "from the executor's hub"
        }
        XCTAssertEqual(try future.get(timeout: 10), "from the executor's hub")
    }

    func testGreenletWaitSuspendsOnlyThatGreenlet() throws {
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        let future = try executor.submit { () -> Int in
            try Green.sleep(0.2)
            return 42
        }
        var ticks = 0
        let ticker = Green.spawn {
            while !future.isReady {
                ticks += 1
                try Green.sleep(0.01)
            }
        }
        let waiter = Green.spawn { try future.get(timeout: 10) }
        XCTAssertEqual(try waiter.get(), 42)
        try ticker.join()
        XCTAssertGreaterThan(ticks, 3, "the hub kept running another green thread while one waited on the future")
    }

    func testAsyncCodeAwaitsTheValue() async throws {
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        let future = try executor.submit { () -> Int in
            try Green.sleep(0.02)
            return 5
        }
        let value = try await future.value
        XCTAssertEqual(value, 5)
    }

    func testWaitReturnWhenConditions() throws {
        let futures = (0..<3).map { _ in PoolFuture<Int>() }
        futures[1].complete(with: .success(1))
        var split = try PoolFutures.wait(futures, timeout: 5, returnWhen: .firstCompleted)
        XCTAssertEqual(split.done.count, 1)
        XCTAssertTrue(split.done[0] === futures[1])
        XCTAssertEqual(split.notDone.count, 2)

        futures[2].complete(with: .failure(Boom()))
        split = try PoolFutures.wait(futures, timeout: 5, returnWhen: .firstException)
        XCTAssertEqual(split.done.count, 2)

        split = try PoolFutures.wait(futures, timeout: 0.05, returnWhen: .allCompleted)
        XCTAssertEqual(split.notDone.count, 1, "the timeout ended the wait")
        futures[0].complete(with: .success(0))
        split = try PoolFutures.wait(futures, returnWhen: .allCompleted)
        XCTAssertEqual(split.done.count, 3)
        XCTAssertTrue(split.notDone.isEmpty)
    }

    func testAsCompletedHandsFuturesOutInFinishingOrder() throws {
        let executor = try GreenPoolExecutor()
        defer { executor.shutdown() }
        let delays = [0.15, 0.01, 0.08]
        let futures = try delays.map { delay in
            try executor.submit { () -> Double in
                try Green.sleep(delay)
                return delay
            }
        }
        var completions = PoolFutures.asCompleted(futures, timeout: 10)
        var order: [Double] = []
        while let future = try completions.next() {
            order.append(try future.get())
        }
        XCTAssertEqual(order, [0.01, 0.08, 0.15])
    }

    func testAsCompletedThrowsTimedOutWhenTheDeadlinePasses() throws {
        let done = PoolFuture<Int>()
        done.complete(with: .success(1))
        let never = PoolFuture<Int>()
        var completions = PoolFutures.asCompleted([never, done], timeout: 0.05)
        XCTAssertTrue(try completions.next() === done)
        XCTAssertThrowsError(try completions.next()) { XCTAssertEqual(($0 as? ExecutorError)?.code, .timedOut) }
    }
}
