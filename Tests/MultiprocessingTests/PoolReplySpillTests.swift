#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import Multiprocessing

/// A worker's reply batch: committed replies outlive the worker, and sending clears them.
final class PoolReplySpillTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    private static func commit(_ spill: PoolReplySpill, id: UInt64, payload: [UInt8]) -> Bool {
        PoolWire.ReplyHeader(id: id, status: PoolWire.succeeded, payloadCount: payload.count).withUnsafeBytes { header in
            payload.withUnsafeBytes { spill.commit(header: header, payload: $0) }
        }
    }

    /// The ids and payloads of the reply frames in `bytes`.
    private func replies(in bytes: [UInt8]) -> [(id: UInt64, payload: [UInt8])] {
        var frames = PoolFrameBuffer()
        bytes.withUnsafeBytes { frames.append($0) }
        var found: [(id: UInt64, payload: [UInt8])] = []
        while let body = frames.nextBody() {
            found.append((PoolWire.load(UInt64.self, from: body, at: 0), Array(body[(body.startIndex + 9)...])))
        }
        XCTAssertFalse(frames.holdsPartialFrame, "the spill holds whole frames only")
        return found
    }

    func testRepliesCommittedByAWorkerThatDiedAreReadByItsParent() throws {
        let spill = try PoolReplySpill()
        let child = ChildProcess(daemon: true, startMethod: .fork) {
            for id in UInt64(1)...3 { _ = Self.commit(spill, id: id, payload: [UInt8(id), 42]) }
            kill(getpid(), SIGKILL)
        }
        try child.start()
        XCTAssertTrue(try child.join(timeout: 30))
        XCTAssertEqual(child.exitCode, -SIGKILL)
        let found = replies(in: spill.unsentReplies())
        XCTAssertEqual(found.map(\.id), [1, 2, 3])
        XCTAssertEqual(found.map(\.payload), [[1, 42], [2, 42], [3, 42]])
    }

    func testSendingWritesTheBatchInOrderAndClearsIt() throws {
        let spill = try PoolReplySpill()
        let (sender, receiver) = try Syscalls.makeSocketPair()
        defer {
            Syscalls.closeDescriptor(sender)
            Syscalls.closeDescriptor(receiver)
        }
        XCTAssertTrue(spill.isEmpty)
        XCTAssertTrue(Self.commit(spill, id: 7, payload: [1, 2, 3]))
        XCTAssertTrue(Self.commit(spill, id: 8, payload: []))
        XCTAssertFalse(spill.isEmpty)
        try spill.send(over: sender)
        XCTAssertTrue(spill.isEmpty)
        XCTAssertEqual(spill.unsentReplies(), [])
        var received = [UInt8](repeating: 0, count: 64)
        let count = try received.withUnsafeMutableBytes { try Syscalls.read(receiver, into: $0) }
        let found = replies(in: Array(received[0..<count]))
        XCTAssertEqual(found.map(\.id), [7, 8])
        XCTAssertEqual(found.map(\.payload), [[1, 2, 3], []])
    }

    func testAReplyThatDoesNotFitIsRefusedAndLeavesTheBatchAsItWas() throws {
        let spill = try PoolReplySpill(size: 4096)
        XCTAssertTrue(Self.commit(spill, id: 1, payload: [9]))
        XCTAssertFalse(Self.commit(spill, id: 2, payload: [UInt8](repeating: 0, count: 4096)))
        XCTAssertEqual(replies(in: spill.unsentReplies()).map(\.id), [1])
    }
}
