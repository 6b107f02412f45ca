#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

private struct Computed: Codable, Sendable {
    var value: Int
    var pid: Int32
}

private struct Oops: Error, CustomStringConvertible {
    var value: Int
    var description: String { "no square for \(value)" }
}

final class ProcessPoolTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    private func code(_ error: any Error) -> MultiprocessingError.Code? {
        (error as? MultiprocessingError)?.code
    }

    func testMapKeepsInputOrderForEveryChunkSize() throws {
        let offset = 1000
        let pool = try ProcessPool(processes: 2) { (n: Int) in
            Computed(value: n * n + offset, pid: Multiprocessing.currentProcess.pid)
        }
        let inputs = Array(0..<500)
        for chunkSize in [nil, 1, 7, 1000] {
            let outputs = try pool.map(inputs, chunkSize: chunkSize)
            XCTAssertEqual(outputs.map(\.value), inputs.map { $0 * $0 + offset }, "chunkSize \(String(describing: chunkSize))")
            XCTAssertTrue(Set(outputs.map(\.pid)).isSubset(of: Set(pool.processIDs)), "only the workers compute")
            XCTAssertFalse(outputs.contains { $0.pid == getpid() })
        }
        XCTAssertTrue(try pool.map([]).isEmpty)
        XCTAssertEqual(try pool.apply(12).value, 1144)
        XCTAssertThrowsError(try pool.map([1], chunkSize: 0)) { XCTAssertEqual(self.code($0), .invalidArgument) }
        XCTAssertThrowsError(try pool.join()) { XCTAssertEqual(self.code($0), .invalidArgument) }
        pool.close()
        XCTAssertTrue(try pool.join(timeout: 30))
        XCTAssertThrowsError(try pool.map([1])) { XCTAssertEqual(self.code($0), .poolClosed) }
    }

    func testAThrowingFunctionFailsItsInputAndThePoolGoesOn() throws {
        let pool = try ProcessPool(processes: 2) { (n: Int) -> Int in
            if n % 10 == 3 { throw Oops(value: n) }
            return n * n
        }
        XCTAssertThrowsError(try pool.map(Array(0..<40), chunkSize: 4)) { error in
            XCTAssertEqual(self.code(error), .taskFailed)
            XCTAssertEqual((error as? MultiprocessingError)?.context, "input 3: no square for 3")
        }
        XCTAssertEqual(try pool.map([4, 5, 6]), [16, 25, 36])
        pool.terminate()
        XCTAssertTrue(try pool.join(timeout: 30))
    }

    func testAKilledWorkerBreaksThePoolInsteadOfHangingIt() throws {
        let started = try ProcessEvent()
        let pool = try ProcessPool(processes: 2) { (n: Int) -> Int in
            if n == 0 {
                try started.set()
                Syscalls.sleep(seconds: 60)
            }
            return n
        }
        let victimPids = pool.processIDs
        let killer = ChildProcess(startMethod: .fork) {
            guard try started.wait(timeout: 30) else { throw MultiprocessingError(.timedOut) }
            for pid in victimPids { kill(pid, SIGKILL) }
        }
        try killer.start()
        XCTAssertThrowsError(try pool.map(Array(0..<4), chunkSize: 1)) { error in
            XCTAssertEqual(self.code(error), .workerDied)
            XCTAssertTrue((error as? MultiprocessingError)?.context.contains("PoolWorker-") == true, "\(error)")
        }
        try killer.join()
        XCTAssertEqual(killer.exitCode, 0)
        XCTAssertThrowsError(try pool.apply(1)) { XCTAssertEqual(self.code($0), .workerDied) }
        XCTAssertTrue(try pool.join(timeout: 30))
        for pid in victimPids {
            XCTAssertEqual(kill(pid, 0), -1, "worker \(pid) is gone and reaped")
        }
    }

    func testTerminateStopsBusyWorkersAndAReleasedPoolLeavesNoProcess() throws {
        var pids: [Int32] = []
        do {
            let pool = try ProcessPool(processes: 2) { (n: Int) -> Int in
                Syscalls.sleep(seconds: 60)
                return n
            }
            pids = pool.processIDs
            XCTAssertEqual(pids.count, 2)
        }
        for pid in pids {
            XCTAssertEqual(kill(pid, 0), -1, "worker \(pid) was stopped and reaped with its pool")
        }
        XCTAssertThrowsError(try ProcessPool<Int, Int>(processes: 0) { $0 }) { XCTAssertEqual(self.code($0), .invalidArgument) }
    }
}
