#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

/// Everything a Python user passes to `Process(args=...)`, passed to a spawned child.
private struct Workbench: Codable, Sendable {
    var results: ProcessQueue<String>
    var jobs: JoinableProcessQueue<Int>
    var simple: SimpleProcessQueue<Int>
    var counter: SharedValue<Int>
    var squares: SharedArray<Double>
    var lock: ProcessLock
    var reentrant: ProcessRLock
    var permits: ProcessBoundedSemaphore
    var started: ProcessEvent
    var condition: ProcessCondition
    var barrier: ProcessBarrier
    var reply: ProcessConnection
    var rounds: Int
}

private let workOnBench = SpawnEntryPoint<Workbench>("tests.work-on-bench") { bench in
    try bench.started.set()
    for _ in 0..<bench.rounds {
        try bench.counter.withLock { $0 += 1 }
    }
    for index in 0..<bench.squares.count {
        bench.squares[index] = Double(index * index)
    }
    while let job = try? bench.jobs.get(timeout: 0) {
        try bench.results.put("job \(job) done by \(Multiprocessing.currentProcess.name)")
        try bench.jobs.taskDone()
    }
    try bench.simple.put(try bench.simple.get() + 1)
    try bench.lock.withLock {
        try bench.reentrant.withLock { try bench.reentrant.withLock {} }
    }
    guard try bench.permits.acquire(timeout: 30) else { throw MultiprocessingError(.timedOut, context: "permits") }
    try bench.permits.release()
    try bench.condition.withLock { try bench.condition.notifyAll() }
    try bench.barrier.wait(timeout: 30)
    try bench.reply.send("bye from \(Multiprocessing.currentProcess.pid)")
}

private let decodeOnly = SpawnEntryPoint<ProcessQueue<Int>>("tests.decode-only") { queue in
    try queue.put(queue.count)
}

final class SpawnSharedObjectsTests: XCTestCase {
    private static let host = StartMethod.spawn(arguments: ["MultiprocessingTests.SpawnSharedObjectsTests/testSpawnedChildHost"])

    func testSpawnedChildHost() {
        Multiprocessing.register(workOnBench)
        Multiprocessing.register(decodeOnly)
        Multiprocessing.bootstrapIfChild()
    }

    func testQueuesLocksValuesAndPipesReachASpawnedChild() throws {
        let (parentEnd, childEnd) = try ProcessPipe.make()
        let bench = Workbench(
            results: try ProcessQueue(), jobs: try JoinableProcessQueue(), simple: try SimpleProcessQueue(),
            counter: try SharedValue(100), squares: try SharedArray(repeating: -1, count: 5),
            lock: try ProcessLock(), reentrant: try ProcessRLock(), permits: try ProcessBoundedSemaphore(value: 1),
            started: try ProcessEvent(), condition: try ProcessCondition(), barrier: try ProcessBarrier(parties: 2),
            reply: childEnd, rounds: 500)
        for job in 1...3 { try bench.jobs.put(job) }
        try bench.simple.put(41)

        let child = ChildProcess(name: "bench-worker", startMethod: Self.host, entryPoint: workOnBench, arguments: bench)
        try child.start()
        childEnd.close()
        XCTAssertTrue(try bench.started.wait(timeout: 30))
        try bench.barrier.wait(timeout: 30)
        XCTAssertEqual(try parentEnd.receive(String.self), "bye from \(child.pid!)")
        _ = try child.join(timeout: 30)

        XCTAssertEqual(child.exitCode, 0)
        XCTAssertEqual(bench.counter.value, 600)
        XCTAssertEqual(bench.squares.array, [0, 1, 4, 9, 16])
        XCTAssertTrue(try bench.jobs.join(timeout: 0))
        XCTAssertEqual(
            try (0..<3).map { _ in try bench.results.get(timeout: 0) },
            (1...3).map { "job \($0) done by bench-worker" })
        XCTAssertEqual(try bench.simple.get(), 42)
        XCTAssertEqual(try bench.permits.value, 1)
        XCTAssertTrue(try bench.lock.acquire(timeout: 0))
        try bench.lock.release()
        XCTAssertThrowsError(try parentEnd.receiveBytes()) {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .endOfStream)
        }
    }

    func testAQueueClosedInTheParentStillWorksInTheChild() throws {
        let queue = try ProcessQueue<Int>()
        try queue.put(7)
        queue.close()
        let child = ChildProcess(startMethod: Self.host, entryPoint: decodeOnly, arguments: queue)
        try child.start()
        _ = try child.join(timeout: 30)
        XCTAssertEqual(child.exitCode, 0)
        let reader = try ProcessQueue<Int>.received(from: queue)
        XCTAssertEqual(try reader.get(timeout: 0), 7)
        XCTAssertEqual(try reader.get(timeout: 0), 1)
    }

    func testSharedObjectsDoNotEncodeOutsideASpawn() throws {
        let (first, second) = try ProcessPipe.make()
        XCTAssertThrowsError(try BinaryCodableEncoder().encode(try ProcessQueue<Int>())) {
            XCTAssertTrue($0 is EncodingError, "\($0)")
        }
        XCTAssertThrowsError(try BinaryCodableEncoder().encode(try ProcessLock())) {
            XCTAssertTrue("\($0)".contains("spawned ChildProcess"), "\($0)")
        }
        XCTAssertThrowsError(try first.send(try SharedValue(1))) { XCTAssertTrue($0 is EncodingError, "\($0)") }
        XCTAssertThrowsError(try BinaryCodableDecoder().decode(ProcessLock.self, from: try BinaryCodableEncoder().encode(3))) {
            XCTAssertTrue($0 is DecodingError, "\($0)")
        }
        second.close()
        let transfer = DescriptorTransfer()
        XCTAssertThrowsError(try DescriptorTransfer.$current.withValue(transfer) { try BinaryCodableEncoder().encode(second) }) {
            XCTAssertTrue($0 is EncodingError, "\($0)")
        }
    }

    func testAReceivingTransferChecksWhatItIsGiven() throws {
        let value = try SharedValue<Int32>(5, locked: false)
        let (bytes, descriptors) = try Self.encodeAsForASpawn(value)

        let mistyped = DescriptorTransfer(received: descriptors.map { dup($0) })
        XCTAssertThrowsError(try DescriptorTransfer.$current.withValue(mistyped) {
            try BinaryCodableDecoder().decode(SharedValue<Int64>.self, from: bytes)
        }) { XCTAssertTrue("\($0)".contains("decode the type the parent encoded"), "\($0)") }
        mistyped.closeUnclaimed()

        let missing = DescriptorTransfer(received: [])
        XCTAssertThrowsError(try DescriptorTransfer.$current.withValue(missing) {
            try BinaryCodableDecoder().decode(SharedValue<Int32>.self, from: bytes)
        }) { XCTAssertTrue($0 is DecodingError, "\($0)") }

        let matching = DescriptorTransfer(received: descriptors.map { dup($0) })
        let copy = try DescriptorTransfer.$current.withValue(matching) {
            try BinaryCodableDecoder().decode(SharedValue<Int32>.self, from: bytes)
        }
        copy.value = 9
        XCTAssertEqual(value.value, 9)
        XCTAssertThrowsError(try copy.withLock { _ in }) {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument)
        }
    }

    func testOneRegionIsMappedOnceAndUnclaimedDescriptorsAreClosed() throws {
        let lock = try ProcessLock()
        let pair = [lock, lock]
        let (bytes, descriptors) = try Self.encodeAsForASpawn(pair)
        XCTAssertEqual(descriptors.count, 1)
        let spare = try ProcessLock()
        let received = descriptors.map { dup($0) } + [dup(spare.monitor.region.descriptor)]
        let transfer = DescriptorTransfer(received: received)
        let locks = try DescriptorTransfer.$current.withValue(transfer) {
            try BinaryCodableDecoder().decode([ProcessLock].self, from: bytes)
        }
        XCTAssertTrue(locks[0].monitor.region === locks[1].monitor.region)
        transfer.closeUnclaimed()
        XCTAssertEqual(fcntl(received[1], F_GETFD), -1, "the descriptor no object claimed is closed")
        XCTAssertNotEqual(fcntl(received[0], F_GETFD), -1, "the claimed descriptor stays open")
        try locks[0].acquire()
        XCTAssertThrowsError(try lock.acquire(timeout: 0), "the decoded lock is the same lock: this thread holds it") {
            XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument)
        }
        try locks[0].release()
    }

    /// Encodes `value` the way the spawn launcher does, returning the bytes and the
    /// descriptors a child would inherit.
    private static func encodeAsForASpawn<Value: Encodable>(_ value: Value) throws -> ([UInt8], [Int32]) {
        let transfer = DescriptorTransfer()
        let bytes = try DescriptorTransfer.$current.withValue(transfer) { try BinaryCodableEncoder().encode(value) }
        return (bytes, transfer.descriptors)
    }
}

extension ProcessQueue {
    /// A second handle on `queue` in this process, made the way a spawned child makes its
    /// own.
    fileprivate static func received(from queue: ProcessQueue) throws -> ProcessQueue {
        let transfer = DescriptorTransfer()
        let bytes = try DescriptorTransfer.$current.withValue(transfer) { try BinaryCodableEncoder().encode(queue) }
        let receiving = DescriptorTransfer(received: transfer.descriptors.map { dup($0) })
        return try DescriptorTransfer.$current.withValue(receiving) {
            try BinaryCodableDecoder().decode(ProcessQueue.self, from: bytes)
        }
    }
}
