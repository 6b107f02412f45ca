#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

private let cube = PoolFunction<Int, Int>("tests.pool.cube") { $0 * $0 * $0 }
private let describePid = PoolFunction<String, String>("tests.pool.describe-pid") { "\($0) \(getpid())" }

private struct Refused: Error, CustomStringConvertible {
    var description: String { "refused" }
}

/// Counts how many inputs a lazy sequence handed out.
private final class PullCounter: @unchecked Sendable {
    var pulled = 0
}

final class WorkerPoolTests: XCTestCase {
    private static let host = StartMethod.spawn(arguments: ["MultiprocessingTests.WorkerPoolTests/testSpawnedWorkerHost"])

    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
        Multiprocessing.register(cube)
        Multiprocessing.register(describePid)
    }

    /// Where a spawned worker bootstraps (see `SpawnTests`); nothing happens in the parent.
    func testSpawnedWorkerHost() {
        Multiprocessing.register(cube)
        Multiprocessing.register(describePid)
        Multiprocessing.bootstrapIfChild()
    }

    func testDifferentClosuresWithCapturedStateRunOnOnePool() throws {
        try WorkerPool.with(processes: 2) { pool in
            let offset = 100
            let words = ["a": 1, "b": 2]
            XCTAssertEqual(try pool.map(Array(0..<50)) { (n: Int) in n + offset }, (0..<50).map { $0 + 100 })
            XCTAssertEqual(try pool.map(["a", "b", "c"]) { (key: String) in words[key] ?? -1 }, [1, 2, -1])
            let parent = getpid()
            XCTAssertNotEqual(try pool.apply { getpid() }, parent)
            XCTAssertEqual(try pool.apply { "\(offset)!" }, "100!")
            XCTAssertEqual(try pool.starmap([(1, "x"), (2, "y")]) { (n: Int, s: String) in String(repeating: s, count: n) }, ["x", "yy"])
            XCTAssertEqual(pool.processIDs.count, 2, "retired generations left")
        }
    }

    /// A closure the workers have not seen replaces only as many workers as its jobs can use,
    /// the oldest first: one for an `apply`, the whole generation for a `map` of many chunks.
    func testANewClosureReplacesAsManyWorkersAsItsJobsCanUse() throws {
        try WorkerPool.with(processes: 2) { pool in
            let original = Set(pool.processIDs)
            XCTAssertEqual(original.count, 2)

            let firstApply = try pool.apply { getpid() }
            let afterFirst = Set(pool.processIDs)
            XCTAssertFalse(original.contains(firstApply), "the apply ran in a worker forked for it")
            XCTAssertEqual(afterFirst, Set([firstApply]).union(original.intersection(afterFirst)))
            XCTAssertEqual(original.intersection(afterFirst).count, 1, "an apply replaces one worker")

            let factor = 6
            XCTAssertEqual(try pool.apply { 7 * factor }, 42)
            let afterSecond = Set(pool.processIDs)
            XCTAssertEqual(afterSecond.count, 2)
            XCTAssertTrue(afterSecond.contains(firstApply), "the oldest worker made room, not the newer one")
            XCTAssertTrue(afterSecond.isDisjoint(with: original))

            let ranIn = try pool.map(Array(0..<8), chunkSize: 1) { (_: Int) in getpid() }
            let afterMap = Set(pool.processIDs)
            XCTAssertEqual(afterMap.count, 2)
            XCTAssertTrue(afterMap.isDisjoint(with: afterSecond), "a map of 8 chunks gets a whole generation")
            XCTAssertTrue(Set(ranIn).isSubset(of: afterMap))
        }
    }

    /// Small replies cross in the worker's shared ring, large ones over its socket; mixed,
    /// they still reach their own tasks, in order.
    func testSmallAndLargeRepliesMixedReachTheirTasks() throws {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        let sizes = (0..<300).map { $0 % 7 == 0 ? 100_000 + $0 : 1 + $0 % 5 }
        let outputs = try pool.map(Array(sizes.indices), chunkSize: 1) { (index: Int) in
            [UInt8](repeating: UInt8(index % 251), count: sizes[index])
        }
        XCTAssertEqual(outputs.count, sizes.count)
        for (index, output) in outputs.enumerated() {
            XCTAssertEqual(output.count, sizes[index], "task \(index)")
            XCTAssertTrue(output.allSatisfy { $0 == UInt8(index % 251) }, "task \(index)")
        }
        var unordered: [Int] = []
        for result in try pool.imapUnordered(Array(sizes.indices), chunkSize: 1, { (index: Int) in
            [UInt8](repeating: 1, count: sizes[index]).count
        }) {
            unordered.append(try result.get())
        }
        XCTAssertEqual(unordered.sorted(), sizes.sorted(), "every reply once")
    }

    func testRegisteredFunctionsRunWithoutANewGeneration() throws {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        let workers = Set(pool.processIDs)
        XCTAssertEqual(try pool.map(Array(1...20), cube, chunkSize: 3), (1...20).map { $0 * $0 * $0 })
        XCTAssertEqual(try pool.apply(cube, 5), 125)
        XCTAssertEqual(try pool.imap(1...5, cube).map { try $0.get() }, [1, 8, 27, 64, 125])
        XCTAssertEqual(Set(pool.processIDs), workers, "no fork for a registered function")
        let unregistered = PoolFunction<Int, Int>("tests.pool.never-registered") { $0 }
        XCTAssertThrowsError(try pool.apply(unregistered, 1)) { error in
            XCTAssertTrue((error as? PoolTaskError)?.message.contains("never-registered") == true, "\(error)")
        }
    }

    func testRegisteredFunctionsRunUnderSpawn() throws {
        let pool = try WorkerPool(processes: 2, startMethod: Self.host)
        defer { pool.terminate() }
        XCTAssertEqual(try pool.map(Array(1...10), cube), (1...10).map { $0 * $0 * $0 })
        let answer = try pool.apply(describePid, "pid")
        XCTAssertTrue(pool.processIDs.contains { answer == "pid \($0)" }, answer)
        XCTAssertThrowsError(try pool.apply { 1 }) { error in
            XCTAssertEqual((error as? MultiprocessingError)?.code, .invalidArgument, "\(error)")
        }
        XCTAssertThrowsError(try WorkerPool(processes: 1, startMethod: Self.host) {}) {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument)
        }
    }

    func testErrorsCarryTypeMessageAndPid() throws {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        XCTAssertThrowsError(try pool.apply { () throws -> Int in throw Refused() }) { error in
            guard let error = error as? PoolTaskError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.typeName.hasSuffix("Refused"), error.typeName)
            XCTAssertEqual(error.message, "refused")
            XCTAssertTrue(pool.processIDs.contains(error.pid))
            XCTAssertNil(error.index)
        }
        let results = try pool.imap(0..<6, chunkSize: 4) { (n: Int) throws -> Int in
            if n % 2 == 1 { throw Refused() }
            return n
        }.map { result -> Int? in try? result.get() }
        XCTAssertEqual(results, [0, nil, 2, nil, 4, nil], "a failure in a chunk fails only its own input")
    }

    func testInitializerRunsOncePerWorkerWithItsArguments() throws {
        let runs = try SharedValue<Int>(0)
        let pool = try WorkerPool(processes: 2, initializer: { (step: Int) in try runs.withLock { $0 += step } }, initializerArguments: 10)
        defer { pool.terminate() }
        _ = try pool.map(Array(0..<100), chunkSize: 1) { (n: Int) in n }
        XCTAssertEqual(runs.value % 10, 0)
        XCTAssertEqual(runs.value / 10, 4, "2 workers, then 2 of the generation forked for the closure")

        let broken = try WorkerPool(processes: 2) { throw Refused() }
        defer { broken.terminate() }
        XCTAssertThrowsError(try broken.map([1]) { (n: Int) in n }) { error in
            XCTAssertEqual((error as? PoolTaskError)?.message, "refused", "\(error)")
        }
    }

    func testAsyncResultsWaitTimeOutAndCallBack() throws {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        let gate = try ProcessEvent()
        let slow = try pool.applyAsync { () -> Int in
            _ = try gate.wait(timeout: 60)
            return 7
        }
        XCTAssertFalse(slow.isReady)
        XCTAssertNil(slow.isSuccessful)
        XCTAssertThrowsError(try slow.get(timeout: .milliseconds(50))) {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .timedOut)
        }
        let seen = PullCounter()
        slow.onSuccess { value in seen.pulled = value }
        try gate.set()
        XCTAssertTrue(slow.wait(timeout: 30))
        XCTAssertEqual(try slow.get(), 7)
        XCTAssertEqual(seen.pulled, 7, "the callback ran when the result came in")
        XCTAssertEqual(slow.isSuccessful, true)

        let failing = try pool.mapAsync([1, 2]) { (n: Int) throws -> Int in throw Refused() }
        let failures = PullCounter()
        failing.onFailure { _ in failures.pulled += 1 }
        XCTAssertFalse(failing.wait(timeout: 30) == false)
        XCTAssertEqual(failures.pulled, 1)
        XCTAssertEqual(failing.isSuccessful, false)
        pool.close()
        XCTAssertThrowsError(try pool.applyAsync { 1 }) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .poolClosed) }
        XCTAssertTrue(try pool.join(timeout: 30))
    }

    func testImapPullsInputsLazilyWithABoundedBuffer() throws {
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        let counter = PullCounter()
        let endless = (0...).lazy.map { n -> Int in
            counter.pulled += 1
            return n
        }
        var consumed = 0
        for result in try pool.imap(endless, chunkSize: 10, bufferSize: 4, { (n: Int) in n * 2 }) {
            XCTAssertEqual(try result.get(), consumed * 2)
            consumed += 1
            XCTAssertLessThanOrEqual(counter.pulled - consumed, 4 * 10 + 10, "at most the buffer's inputs are pulled ahead")
            if consumed == 5_000 { break }
        }
        XCTAssertEqual(try pool.apply { 3 }, 3, "an abandoned imap leaves the pool usable")
    }
}
