import XCTest
import WeaveTestSupport
@testable import Multiprocessing

private struct DoubleIt: Codable, Sendable {
    var segment: String
    var value: Int
}

private let doubleIt = SpawnEntryPoint<DoubleIt>("tests.double-it") { arguments in
    let segment = try SharedMemorySegment.attach(name: arguments.segment)
    segment.bytes.storeBytes(of: arguments.value * 2, as: Int.self)
    segment.bytes.storeBytes(of: Int(Multiprocessing.parentProcess?.pid ?? -1), toByteOffset: 8, as: Int.self)
}

/// Spawn re-executes the test bundle with a filter that runs only `testSpawnedChildHost`,
/// which is where a spawned child bootstraps: the test runner's own `main` is not ours,
/// so this test stands in for the top of `main`. In the parent it does nothing.
final class SpawnTests: XCTestCase {
    private static let host = StartMethod.spawn(arguments: ["MultiprocessingTests.SpawnTests/testSpawnedChildHost"])

    func testSpawnedChildHost() {
        Multiprocessing.register(doubleIt)
        Multiprocessing.bootstrapIfChild()
    }

    func testSpawnRunsARegisteredEntryPointWithCodableArguments() throws {
        let segment = try SharedMemorySegment.create(size: 16)
        defer { try? segment.unlink() }
        let child = ChildProcess(
            name: "doubler", startMethod: Self.host, entryPoint: doubleIt,
            arguments: DoubleIt(segment: segment.name, value: 21))
        try child.start()
        try child.join()
        XCTAssertEqual(child.exitCode, 0)
        XCTAssertEqual(segment.bytes.load(as: Int.self), 42)
        XCTAssertEqual(segment.bytes.load(fromByteOffset: 8, as: Int.self), Int(getpid()))
    }

    func testEntryPointsAlsoRunUnderFork() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        let segment = try SharedMemorySegment.create(size: 16)
        defer { try? segment.unlink() }
        let child = ChildProcess(startMethod: .fork, entryPoint: doubleIt, arguments: DoubleIt(segment: segment.name, value: 5))
        try child.start()
        try child.join()
        XCTAssertEqual(segment.bytes.load(as: Int.self), 10)
    }

    func testUnknownEntryPointExitsWithAnError() throws {
        let unknown = SpawnEntryPoint<Int>("tests.never-registered") { _ in }
        let child = ChildProcess(startMethod: Self.host, entryPoint: unknown, arguments: 1)
        try child.start()
        try child.join()
        XCTAssertEqual(child.exitCode, 1)
    }
}
