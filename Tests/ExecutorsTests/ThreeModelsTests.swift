import Executors
import GreenHub
import Multiprocessing
import XCTest

/// One workload through the one `PoolExecutor` interface, on processes, threads and
/// greenlets: only the line that makes the executor differs, and the results agree.
final class ThreeModelsTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    /// The workload: the sum of the squares of a range's members, per range, written once
    /// against the protocol.
    private func sumsOfSquares(on executor: some PoolExecutor) throws -> [Int] {
        try executor.map(0..<12, timeout: 60) { range in
            (range * 100..<(range + 1) * 100).reduce(0) { $0 + $1 * $1 }
        }
    }

    func testTheSameWorkloadGivesTheSameResultsOnEveryModel() throws {
        let expected = (0..<12).map { range in (range * 100..<(range + 1) * 100).reduce(0) { $0 + $1 * $1 } }

        let processes = try ProcessPoolExecutor(maxWorkers: 2)
        defer { processes.shutdown() }
        let threads = try ThreadPoolExecutor(maxWorkers: 2)
        defer { threads.shutdown() }
        let greenlets = try GreenPoolExecutor(maxGreenThreads: 4)
        defer { greenlets.shutdown() }

        XCTAssertEqual(try sumsOfSquares(on: processes), expected)
        XCTAssertEqual(try sumsOfSquares(on: threads), expected)
        XCTAssertEqual(try sumsOfSquares(on: greenlets), expected)
    }

    func testFuturesFromEveryModelWaitTogether() throws {
        let executors: [any PoolExecutor] = [
            try ProcessPoolExecutor(maxWorkers: 1), try ThreadPoolExecutor(maxWorkers: 1), try GreenPoolExecutor(),
        ]
        defer { executors.forEach { $0.shutdown() } }
        let futures = try executors.enumerated().map { index, executor in try executor.submit { index * 10 } }
        let (done, notDone) = try PoolFutures.wait(futures, timeout: 60)
        XCTAssertTrue(notDone.isEmpty)
        XCTAssertEqual(try done.map { try $0.get() }, [0, 10, 20])
    }
}
