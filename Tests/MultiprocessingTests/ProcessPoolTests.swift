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
        let workers = Set(pool.processIDs)
        XCTAssertThrowsError(try pool.map(Array(0..<40), chunkSize: 4)) { error in
            guard let error = error as? PoolTaskError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.index, 3, "the first input that failed is named")
            XCTAssertEqual(error.message, "no square for 3")
            XCTAssertTrue(error.typeName.hasSuffix("Oops"), error.typeName)
            XCTAssertTrue(workers.contains(error.pid), "the worker's pid \(error.pid) is named")
        }
        XCTAssertThrowsError(try pool.apply(13)) { XCTAssertNil(($0 as? PoolTaskError)?.index) }
        XCTAssertEqual(try pool.map([4, 5, 6]), [16, 25, 36])
        pool.terminate()
        XCTAssertTrue(try pool.join(timeout: 30))
    }

    func testNumbersAndBytesCrossInPlaceAroundFailuresInTheirChunk() throws {
        // Int, Double and UInt8 inputs and outputs are read and written in place by a loop
        // of their own per pair of types; a failure in a chunk shortens its outputs.
        let toDouble = try ProcessPool(processes: 2) { (n: Int) -> Double in
            if n % 5 == 2 { throw Oops(value: n) }
            return Double(n) / 4
        }
        defer { toDouble.terminate() }
        let halves = try toDouble.imap(0..<40, chunkSize: 8).map { try? $0.get() }
        XCTAssertEqual(halves, (0..<40).map { $0 % 5 == 2 ? nil : Double($0) / 4 })
        XCTAssertEqual(try toDouble.map(Array(0..<7).filter { $0 % 5 != 2 }, chunkSize: 3), [0, 0.25, 0.75, 1, 1.25, 1.5])

        let toByte = try ProcessPool(processes: 2) { (x: Double) -> UInt8 in
            guard x >= 0 else { throw Oops(value: Int(x)) }
            return UInt8(x.rounded())
        }
        defer { toByte.terminate() }
        let inputs = (0..<30).map { $0 == 17 ? -1 : Double($0) + 0.4 }
        XCTAssertEqual(try toByte.imap(inputs, chunkSize: 30).map { try? $0.get() }, inputs.map { $0 < 0 ? nil : UInt8($0.rounded()) })

        let fromByte = try ProcessPool(processes: 1) { (byte: UInt8) -> Int in Int(byte) * 1000 }
        defer { fromByte.terminate() }
        XCTAssertEqual(try fromByte.map(Array(250...255)), [250_000, 251_000, 252_000, 253_000, 254_000, 255_000])
    }

    func testForEachUnorderedHandsOverEveryOutputOnceWithItsIndex() throws {
        let pool = try ProcessPool(processes: 2) { (n: Int) -> Int in
            if n < 0 { throw Oops(value: n) }
            return n * 3
        }
        defer { pool.terminate() }
        var seen: [Int: Int] = [:]
        try pool.forEachUnordered(Array(0..<100), chunkSize: 3) { index, output in
            XCTAssertNil(seen[index], "input \(index) handed over twice")
            seen[index] = output
        }
        XCTAssertEqual(seen.count, 100)
        XCTAssertTrue(seen.allSatisfy { $0.value == $0.key * 3 })

        var delivered = 0
        XCTAssertThrowsError(try pool.forEachUnordered([1, 2, -13, 4, 5], chunkSize: 1) { _, _ in delivered += 1 }) {
            XCTAssertEqual(($0 as? PoolTaskError)?.index, 2)
        }
        XCTAssertEqual(delivered, 4, "every input that did not fail is handed over")

        var calls = 0
        XCTAssertThrowsError(try pool.forEachUnordered(Array(0..<10), chunkSize: 1) { _, _ in
            calls += 1
            throw Oops(value: -1)
        }) { XCTAssertTrue($0 is Oops, "\($0)") }
        XCTAssertEqual(calls, 1, "body is not called again after it throws")
        XCTAssertEqual(try pool.map([1, 2]), [3, 6], "no outcome of the interrupted call is left behind")
    }

    func testImapIsInOrderAndImapUnorderedGivesEveryResultOnce() throws {
        let pool = try ProcessPool(processes: 2, function: { (n: Int) -> Int in
            if n == 77 { throw Oops(value: n) }
            return n + 1
        })
        defer { pool.terminate() }
        let ordered = try pool.imap(0..<300, chunkSize: 7).map { try? $0.get() }
        XCTAssertEqual(ordered, (0..<300).map { $0 == 77 ? nil : $0 + 1 })
        var unordered: [Int] = []
        for result in try pool.imapUnordered(0..<300, chunkSize: 1) {
            if let value = try? result.get() { unordered.append(value) }
        }
        XCTAssertEqual(unordered.sorted(), (0..<300).filter { $0 != 77 }.map { $0 + 1 })
        XCTAssertEqual(try pool.mapAsync([1, 2, 3]).get(timeout: 30), [2, 3, 4])
    }

    func testMaxTasksPerChildReplacesWorkers() throws {
        let pool = try ProcessPool(processes: 1, maxTasksPerChild: 2) { (_: Int) in Multiprocessing.currentProcess.pid }
        defer { pool.terminate() }
        let pids = try pool.map(Array(0..<6), chunkSize: 1)
        XCTAssertEqual(pids.count, 6)
        XCTAssertEqual(Set(pids).count, 3, "a fresh worker every 2 tasks: \(pids)")
        for pid in Set(pids) { XCTAssertEqual(pids.filter { $0 == pid }.count, 2) }
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
