#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Executors
import Synchronization
import Threading
import WeaveTestSupport
import XCTest

final class ThreadPoolExecutorTests: XCTestCase {
    private struct Boom: Error, Equatable {}

    func testSubmitAndMapRunOnNamedWorkerThreads() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 3, threadNamePrefix: "loader")
        defer { executor.shutdown() }
        let names = try executor.map(0..<12) { (_: Int) in Threading.currentThread.name }
        XCTAssertTrue(names.allSatisfy { ["loader_0", "loader_1", "loader_2"].contains($0) }, "\(names)")
        XCTAssertEqual(try executor.map(Array(1...5)) { $0 * $0 }, [1, 4, 9, 16, 25])
        XCTAssertEqual(try executor.submit { 6 * 7 }.get(timeout: 30), 42)
    }

    func testAtMostMaxWorkersRunAtOnce() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 2)
        defer { executor.shutdown() }
        let running = Mutex((now: 0, peak: 0))
        let idents = Mutex(Set<UInt>())
        _ = try executor.map(0..<10) { (_: Int) -> Int in
            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            idents.withLock { _ = $0.insert(Threading.getIdent()) }
            ThreadEvent().wait(timeout: 0.01)
            running.withLock { $0.now -= 1 }
            return 0
        }
        XCTAssertLessThanOrEqual(running.withLock { $0.peak }, 2)
        XCTAssertLessThanOrEqual(idents.withLock { $0.count }, 2, "more threads than maxWorkers")
    }

    func testWorkersRunConcurrently() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 8)
        defer { executor.shutdown() }
        let start = ContinuousClock.now
        _ = try executor.map(0..<8) { (_: Int) -> Int in
            usleep(300_000)
            return 0
        }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(1_800), "8 × 0.3 s sleeps ran one after another")
    }

    func testTheDefaultIsPythonsMinOf32AndCPUsPlus4() throws {
        let processors = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        XCTAssertEqual(ThreadPoolExecutor.defaultMaxWorkers, min(32, processors + 4))
        let executor = try ThreadPoolExecutor()
        defer { executor.shutdown() }
        XCTAssertEqual(executor.maxWorkers, ThreadPoolExecutor.defaultMaxWorkers)
        XCTAssertTrue(executor.threadNamePrefix.hasPrefix("ThreadPoolExecutor-"))
        XCTAssertThrowsError(try ThreadPoolExecutor(maxWorkers: 0)) { error in
            XCTAssertEqual((error as? ExecutorError)?.code, .invalidArgument)
        }
    }

    func testAnErrorReachesItsFutureAndTheValueNeedNotBeCodable() throws {
        final class Token: Sendable {}
        let executor = try ThreadPoolExecutor(maxWorkers: 1)
        defer { executor.shutdown() }
        let failing = try executor.submit { () -> Int in throw Boom() }
        XCTAssertThrowsError(try failing.get(timeout: 30)) { XCTAssertEqual($0 as? Boom, Boom()) }
        let token = Token()
        XCTAssertTrue(try executor.submit { token }.get(timeout: 30) === token)
    }

    func testTheInitializerRunsOncePerWorker() throws {
        let initialized = Mutex<[String]>([])
        let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "init") {
            initialized.withLock { $0.append(Threading.currentThread.name) }
        }
        _ = try executor.map(0..<20) { (n: Int) -> Int in
            ThreadEvent().wait(timeout: 0.002)
            return n
        }
        executor.shutdown()
        let names = initialized.withLock { $0 }
        XCTAssertEqual(Set(names).count, names.count, "a worker ran the initializer twice")
        XCTAssertTrue((1...2).contains(names.count))
    }

    func testAFailedInitializerBreaksThePool() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 1, initializer: { throw Boom() })
        defer { executor.shutdown() }
        let future = try executor.submit { 1 }
        XCTAssertThrowsError(try future.get(timeout: 30)) { error in
            XCTAssertEqual((error as? ExecutorError)?.code, .brokenExecutor)
        }
        XCTAssertThrowsError(try executor.submit { 2 }) { error in
            XCTAssertEqual((error as? ExecutorError)?.code, .brokenExecutor)
            XCTAssertTrue("\(error)".contains("brokenExecutor"), "\(error)")
        }
    }

    func testShutdownWaitsFinishesQueuedWorkAndRefusesMore() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 1)
        let done = Mutex(0)
        let futures = try (0..<5).map { _ in
            try executor.submit { () -> Int in
                ThreadEvent().wait(timeout: 0.01)
                return done.withLock { $0 += 1; return $0 }
            }
        }
        executor.shutdown(wait: true, cancelFutures: false)
        XCTAssertEqual(done.withLock { $0 }, 5)
        XCTAssertTrue(futures.allSatisfy(\.isReady))
        XCTAssertThrowsError(try executor.submit { 0 }) { error in
            XCTAssertEqual((error as? ExecutorError)?.code, .shutDown)
        }
    }

    func testShutdownWithCancelFuturesCancelsWhatHasNotStarted() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 1)
        let release = ThreadEvent()
        let started = ThreadEvent()
        let running = try executor.submit { () -> Int in
            started.set()
            release.wait()
            return 1
        }
        let queued = try (0..<3).map { _ in try executor.submit { 2 } }
        XCTAssertTrue(started.wait(timeout: 30))
        executor.shutdown(wait: false, cancelFutures: true)
        XCTAssertTrue(queued.allSatisfy(\.isCancelled))
        release.set()
        XCTAssertEqual(try running.get(timeout: 30), 1)
        executor.shutdown()
    }

    func testANormalExitFinishesTheQueuedWork() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let outcome = runInForkedChild {
            close(fds[0])
            guard let executor = try? ThreadPoolExecutor(maxWorkers: 1) else { _exit(3) }
            for _ in 0..<3 {
                _ = try? executor.submit { () -> Int in
                    usleep(50_000)
                    var byte: UInt8 = 0x2A
                    return write(writeEnd, &byte, 1)
                }
            }
            exit(0)
        }
        close(fds[1])
        defer { close(fds[0]) }
        XCTAssertEqual(outcome.exitStatus, 0, outcome.standardError)
        var buffer = [UInt8](repeating: 0, count: 16)
        XCTAssertEqual(read(fds[0], &buffer, buffer.count), 3, "exit() did not let the workers finish the queue")
    }
}
