#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Executors
import Foundation
import Multiprocessing
import XCTest

/// A value one thread sets and another reads after a semaphore orders them.
private final class ThreadBox<Value>: @unchecked Sendable {
    var value: Value?
}

private let triple = PoolFunction<Int, Int>("tests.executor.triple") { 3 * $0 }
private let killsItsWorker = PoolFunction<Int, Int>("tests.executor.killsItsWorker") { _ in
    kill(getpid(), SIGKILL)
    return 0
}
private let workerName = PoolFunction<Int, String>("tests.executor.workerName") { _ in Multiprocessing.currentProcess.name }
private let sleepsThenDoubles = PoolFunction<Int, Int>("tests.executor.sleepsThenDoubles") { milliseconds in
    usleep(UInt32(milliseconds) * 1000)
    return 2 * milliseconds
}

private struct Refused: Error, CustomStringConvertible {
    var description: String { "refused" }
}

final class ProcessPoolExecutorTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
        Multiprocessing.register(triple)
        Multiprocessing.register(killsItsWorker)
        Multiprocessing.register(sleepsThenDoubles)
        Multiprocessing.register(workerName)
    }

    func testSubmitRunsClosuresAndRegisteredFunctionsInWorkers() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        let base = 10
        let futures = try (0..<5).map { n in try executor.submit { base + n } }
        XCTAssertEqual(try futures.map { try $0.get(timeout: 30) }, [10, 11, 12, 13, 14], "different closures on one executor")
        let pid = try executor.submit { getpid() }.get(timeout: 30)
        XCTAssertNotEqual(pid, getpid())
        XCTAssertEqual(try executor.submit { "\(base)!" }.get(timeout: 30), "10!")
        XCTAssertEqual(try executor.submit(triple, 14).get(timeout: 30), 42)
        XCTAssertEqual(try executor.map(1...20) { $0 * base }, (1...20).map { $0 * 10 })
    }

    func testErrorsCarryTypeMessageAndPid() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 1)
        defer { executor.shutdown() }
        let future = try executor.submit { () throws -> Int in throw Refused() }
        XCTAssertThrowsError(try future.get(timeout: 30)) { error in
            guard let error = error as? PoolTaskError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.typeName.hasSuffix("Refused"), error.typeName)
            XCTAssertEqual(error.message, "refused")
            XCTAssertTrue(executor.processIDs.contains(error.pid))
        }
    }

    func testCancelAPendingFutureAndShutdownSemantics() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 1)
        let gate = try ProcessEvent()
        let ran = try SharedValue<Int>(0)
        let busy = try executor.submit { () -> Int in
            _ = try gate.wait(timeout: 60)
            return 1
        }
        // One worker holds the first task; fill its window so that the later ones queue.
        let queued = try (0..<40).map { _ in try executor.submit(triple, 1) }
        let cancelled = try executor.submit { () -> Int in
            try ran.withLock { $0 += 1 }
            return 2
        }
        XCTAssertTrue(cancelled.cancel(), "a queued future can be cancelled")
        XCTAssertTrue(cancelled.isCancelled)
        try gate.set()
        XCTAssertEqual(try busy.get(timeout: 30), 1)
        XCTAssertEqual(try queued.map { try $0.get(timeout: 30) }, Array(repeating: 3, count: 40))
        executor.shutdown(wait: true, cancelFutures: false)
        XCTAssertEqual(ran.value, 0, "cancelled work never ran")
        XCTAssertThrowsError(try executor.submit { 1 }) { XCTAssertEqual(($0 as? ExecutorError)?.code, .shutDown) }
        executor.shutdown(wait: true, cancelFutures: true)

        let second = try ProcessPoolExecutor(maxWorkers: 1)
        try gate.clear()
        let blocker = try second.submit { () -> Int in
            _ = try gate.wait(timeout: 60)
            return 0
        }
        let limit = Date().addingTimeInterval(30)
        while !blocker.isRunning && Date() < limit { usleep(1000) }
        XCTAssertTrue(blocker.isRunning, "a worker took the first task")
        let waiting = try (0..<60).map { _ in try second.submit(triple, 2) }
        second.shutdown(wait: false, cancelFutures: true)
        try gate.set()
        XCTAssertEqual(try blocker.get(timeout: 30), 0)
        let outcomes = waiting.map { future -> Bool in (try? future.get(timeout: 30)) != nil }
        XCTAssertTrue(waiting.contains { $0.isCancelled }, "the tasks still queued were cancelled")
        XCTAssertEqual(outcomes.filter { $0 }.count + waiting.filter(\.isCancelled).count, 60, "every future is done")
    }

    func testMapTimeoutCancelsWhatHasNotStarted() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 1)
        defer { executor.shutdown(wait: true, cancelFutures: true) }
        XCTAssertThrowsError(try executor.map(0..<200, timeout: .milliseconds(100)) { (n: Int) -> Int in
            usleep(10_000)
            return n
        }) { XCTAssertEqual(($0 as? ExecutorError)?.code, .timedOut, "\($0)") }
    }

    func testAKilledWorkerFailsOnlyItsFuture() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        let doomed = try executor.submit { () -> Int in
            kill(getpid(), SIGKILL)
            return 0
        }
        XCTAssertThrowsError(try doomed.get(timeout: 30)) { error in
            XCTAssertEqual((error as? MultiprocessingError)?.code, .workerDied, "\(error)")
            XCTAssertTrue("\(error)".contains("SIGKILL"), "\(error)")
        }
        XCTAssertEqual(try executor.map(0..<10) { $0 + 1 }, Array(1...10), "the executor keeps serving")
    }

    /// A caller waiting in plain code reads its reply itself, but a worker it finds dead is
    /// replaced by the executor's own thread: the replacement outlives the caller's thread,
    /// which its parent-death signal would not if the caller had forked it.
    func testACallerThatTakesItsOwnReplyLeavesTheReplacementForkToTheExecutor() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 1)
        defer { executor.shutdown() }
        let original = executor.processIDs
        let callerDone = DispatchSemaphore(value: 0)
        let outcome = ThreadBox<Result<Int, any Error>>()
        Thread.detachNewThread {
            outcome.value = Result { try executor.submit(killsItsWorker, 0).get(timeout: 30) }
            callerDone.signal()
        }
        XCTAssertEqual(callerDone.wait(timeout: .now() + 30), .success)
        XCTAssertThrowsError(try outcome.value?.get()) { error in
            XCTAssertEqual((error as? MultiprocessingError)?.code, .workerDied, "\(error)")
        }
        usleep(200_000)
        XCTAssertEqual(try executor.submit(triple, 7).get(timeout: 30), 21, "the replacement serves")
        XCTAssertNotEqual(executor.processIDs, original)
        XCTAssertEqual(
            try executor.submit(workerName, 0).get(timeout: 30), "PoolWorker-2",
            "one replacement, which did not die with the caller's thread")
    }

    func testAGetThatTimesOutLeavesTheWorkToFinish() throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 1)
        defer { executor.shutdown() }
        let future = try executor.submit(sleepsThenDoubles, 300)
        XCTAssertThrowsError(try future.get(timeout: 0.01)) { error in
            XCTAssertEqual((error as? ExecutorError)?.code, .timedOut, "\(error)")
        }
        XCTAssertEqual(try future.get(timeout: 30), 600)
        let late = try executor.submit(sleepsThenDoubles, 50)
        XCTAssertEqual(try late.get(timeout: 30), 100)
    }

    func testFuturesCanBeAwaitedFromAsyncCode() async throws {
        let executor = try ProcessPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        let future = try executor.submit(triple, 5)
        let value = try await future.value
        XCTAssertEqual(value, 15)
    }
}
