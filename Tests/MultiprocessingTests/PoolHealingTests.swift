#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

/// Workers killed by signals: exactly their task fails, the pool heals, and no worker
/// outlives its pool or its parent.
final class PoolHealingTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    /// Whether `pid` is gone: no such process, or a zombie nobody reaped yet.
    private func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    private func waitUntilGone(_ pids: [Int32], seconds: Double) -> [Int32] {
        let limit = Date().addingTimeInterval(seconds)
        var alive = pids
        while !alive.isEmpty && Date() < limit {
            alive = alive.filter { !isGone($0) }
            if !alive.isEmpty { usleep(10_000) }
        }
        return alive
    }

    func testAWorkerKilledMidTaskFailsExactlyThatTaskAndThePoolKeepsServing() throws {
        let metrics = SharedTestMetrics.factory
        let pool = try ProcessPool(processes: 2) { (n: Int) -> Int in
            if n < 0 { kill(getpid(), SIGKILL) }
            return 2 * n
        }
        defer { pool.terminate() }
        let dimensions = [("pool", "\(pool.engine.metrics.number)")]
        var deadPids: Set<Int32> = []
        for trial in 0..<100 {
            var inputs = Array(0..<20)
            let victim = -(trial + 1)
            inputs.insert(victim, at: trial % 21)
            for (input, result) in zip(inputs, try pool.imap(inputs, chunkSize: 1)) {
                switch result {
                case .success(let value):
                    XCTAssertEqual(value, 2 * input, "trial \(trial)")
                case .failure(let error):
                    XCTAssertEqual(input, victim, "trial \(trial): only the killed task fails, not \(input): \(error)")
                    let context = (error as? MultiprocessingError)?.context ?? ""
                    XCTAssertEqual((error as? MultiprocessingError)?.code, .workerDied, "\(error)")
                    XCTAssertTrue(context.contains("SIGKILL") && context.contains("signal 9"), context)
                    if let pid = context.split(separator: " ").drop(while: { $0 != "(pid" }).dropFirst().first {
                        deadPids.insert(Int32(pid.dropLast()) ?? 0)
                    }
                }
            }
            XCTAssertEqual(try pool.apply(trial), 2 * trial, "trial \(trial): the pool keeps serving")
        }
        XCTAssertEqual(deadPids.count, 100, "every trial named its dead worker's pid")
        XCTAssertEqual(pool.processIDs.count, 2)
        XCTAssertTrue(deadPids.isDisjoint(with: pool.processIDs), "dead workers were replaced")
        XCTAssertEqual(try metrics.expectCounter("weave_pool_worker_deaths_total", dimensions).totalValue, 100)
        XCTAssertEqual(try metrics.expectCounter("weave_pool_tasks_failed_total", dimensions).totalValue, 100)
        XCTAssertEqual(try metrics.expectCounter("weave_pool_tasks_completed_total", dimensions).totalValue, 100 * 21)
    }

    func testAWorkerKilledFromOutsideFailsItsTaskQuicklyAndTheOthersFinish() throws {
        let started = try ProcessEvent()
        let sleeper = try SharedValue<Int32>(0)
        let pool = try WorkerPool(processes: 2)
        defer { pool.terminate() }
        for _ in 0..<5 {
            try started.clear()
            let slow = try pool.applyAsync { () -> Int in
                try sleeper.withLock { $0 = getpid() }
                try started.set()
                Syscalls.sleep(seconds: 60)
                return 0
            }
            let others = try pool.mapAsync(Array(0..<50), chunkSize: 1) { (n: Int) in n + 1 }
            XCTAssertTrue(try started.wait(timeout: 30))
            let pid = sleeper.value
            kill(pid, SIGKILL)
            XCTAssertThrowsError(try slow.get(timeout: 30)) { error in
                XCTAssertEqual((error as? MultiprocessingError)?.code, .workerDied, "\(error)")
                XCTAssertTrue("\(error)".contains("pid \(pid)"), "\(error)")
            }
            XCTAssertEqual(try others.get(timeout: 30), Array(1...50))
        }
    }

    func testTerminateAndKillLeaveNoProcessBehind() throws {
        for force in [false, true] {
            let pool = try WorkerPool(processes: 2)
            let busy = try pool.mapAsync(Array(0..<4), chunkSize: 1) { (n: Int) -> Int in
                Syscalls.sleep(seconds: 60)
                return n
            }
            let pids = pool.processIDs
            force ? pool.kill() : pool.terminate()
            XCTAssertThrowsError(try busy.get(timeout: 30)) {
                XCTAssertEqual(($0 as? MultiprocessingError)?.code, .poolClosed)
            }
            for pid in pids { XCTAssertEqual(kill(pid, 0), -1, "worker \(pid) is stopped and reaped") }
            XCTAssertTrue(try pool.join(timeout: 1))
        }
    }

    func testNoWorkerSurvivesItsParentBeingKilled() throws {
        let pids = try ProcessQueue<[Int32]>()
        let parent = ChildProcess(startMethod: .fork) {
            let pool = try WorkerPool(processes: 2)
            _ = try pool.map([1, 2]) { (n: Int) in n }
            try pids.put(pool.processIDs)
            Syscalls.sleep(seconds: 60)
            withExtendedLifetime(pool) {}
        }
        try parent.start()
        let workers = try pids.get(timeout: 30)
        XCTAssertEqual(workers.count, 2)
        try parent.kill()
        try parent.join()
        XCTAssertEqual(waitUntilGone(workers, seconds: 1), [], "workers outlived their SIGKILLed parent")
    }
}
