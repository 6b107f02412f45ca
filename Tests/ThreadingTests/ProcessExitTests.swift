#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Threading
import WeaveTestSupport
import XCTest

/// What happens to threads when a process exits normally, checked in forked children
/// that call `exit(0)` (as `main` returning does) while a thread still runs.
final class ProcessExitTests: XCTestCase {
    func testNormalExitWaitsForANonDaemonThread() throws {
        let written = try bytesWrittenByChild { pipe in
            let worker = OSThread(daemon: false) {
                usleep(200_000)
                writeMarker(to: pipe)
            }
            try worker.start()
        }
        XCTAssertEqual(written, [marker], "exit() did not wait for the non-daemon thread")
    }

    func testNormalExitAbandonsADaemonThread() throws {
        let written = try bytesWrittenByChild { pipe in
            let worker = OSThread(daemon: true) {
                usleep(5_000_000)
                writeMarker(to: pipe)
            }
            try worker.start()
        }
        XCTAssertEqual(written, [], "exit() waited for a daemon thread")
    }

    func testAForkedChildDoesNotWaitForItsParentsThreads() throws {
        let release = ThreadEvent()
        let parentWorker = OSThread(daemon: false) { release.wait() }
        try parentWorker.start()
        defer {
            release.set()
            _ = try? parentWorker.join()
        }
        let written = try bytesWrittenByChild { pipe in
            guard !parentWorker.isAlive, Threading.currentThread == Threading.mainThread else { return }
            do {
                _ = try parentWorker.get(timeout: 0)
            } catch let error as ThreadingError where error.code == .lostInFork {
                writeMarker(to: pipe)
            }
        }
        XCTAssertEqual(written, [marker], "in the child the parent's thread still looked alive or had a result")
    }

    /// Forks a child (`runInForkedChild`) that runs `body` with a pipe's write end, then
    /// calls `exit(0)` as `main` returning does; returns the bytes that reached the pipe.
    private func bytesWrittenByChild(_ body: (Int32) throws -> Void) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let outcome = runInForkedChild {
            close(fds[0])
            do {
                try body(fds[1])
            } catch {
                _exit(3)
            }
            exit(0)
        }
        close(fds[1])
        defer { close(fds[0]) }
        XCTAssertEqual(outcome.exitStatus, 0, "the child failed: \(outcome.standardError)")
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(fds[0], &buffer, buffer.count)
        return Array(buffer.prefix(max(count, 0)))
    }
}

private let marker: UInt8 = 0x2A

private func writeMarker(to fd: Int32) {
    var byte = marker
    _ = write(fd, &byte, 1)
}
