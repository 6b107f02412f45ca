#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

/// What the shared-memory tracker reports through `Multiprocessing.logger`. A check that
/// needs a process with no tracker yet runs in a forked child.
final class SharedMemoryTrackerLoggingTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testTheTrackerStartIsLoggedAtDebugWithBothPids() throws {
        let held = try ChildProcessTestSupport.holdsInChild {
            let capture = LogCapture()
            Multiprocessing.logger = capture.logger(label: "test")
            let segment = try SharedMemorySegment.create(size: 4096)
            try segment.unlink()
            segment.close()
            let started = capture.entries.filter { $0.message == "started the shared-memory tracker" }
            return started.count == 1 && started[0].level == .debug && started[0].metadata["pid"] == "\(getpid())"
                && Int32(started[0].metadata["tracker.pid"] ?? "").map { $0 > 0 && $0 != getpid() } == true
        }
        XCTAssertEqual(held, true)
    }

    func testUnlinkedSegmentsAreReportedAtDebugWithTheirNames() {
        let capture = LogCapture()
        SharedMemoryTracker.reportUnlinked(["/b", "/a"], logger: capture.logger(label: "test"))
        SharedMemoryTracker.reportUnlinked([], logger: capture.logger(label: "test"))
        XCTAssertEqual(capture.entries.count, 1)
        XCTAssertEqual(capture.entries.first?.level, .debug)
        XCTAssertEqual(capture.entries.first?.metadata["segments"], "/a, /b")
        XCTAssertEqual(capture.entries.first?.metadata["pid"], "\(getpid())")
        XCTAssertTrue(capture.entries.first?.message.hasPrefix("unlinked 2 shared-memory segment(s)") ?? false)
    }

    /// The tracker itself, at the end: a creator that exits without unlinking leaves its
    /// segment to the tracker, which logs it on the standard error it kept.
    func testTheTrackerLogsTheSegmentItUnlinksAfterItsCreatorExits() throws {
        #if os(Linux)
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let name = "weave-test-\(getpid())-tracker-log"
        let writeEnd = ends[1]
        let creator = ChildProcess(startMethod: .fork) {
            guard dup2(writeEnd, 2) == 2 else { _exit(2) }
            Multiprocessing.logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
            Multiprocessing.logger.logLevel = .debug
            _ = try SharedMemorySegment.create(name: name, size: 4096)
        }
        try creator.start()
        close(writeEnd)
        var text = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = read(ends[0], &chunk, chunk.count), count > 0 {
            text += chunk[0..<count]
        }
        close(ends[0])
        try creator.join()
        let log = String(decoding: text, as: UTF8.self)
        XCTAssertTrue(log.contains("started the shared-memory tracker"), log)
        XCTAssertTrue(log.contains("unlinked 1 shared-memory segment(s)"), log)
        XCTAssertTrue(log.contains("segments=/\(name)"), log)
        #endif
    }
}
