#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

/// The one-time warning on forking a multi-threaded process. Each check runs in a forked
/// child, which starts single-threaded and owns its standard error and its warning flag.
final class ForkWarningTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testNoWarningWhenNoThreadWasStarted() throws {
        XCTAssertEqual(try warningPrinted(startingThread: false), false)
    }

    func testWarningOnceAThreadRuns() throws {
        XCTAssertEqual(try warningPrinted(startingThread: true), true)
    }

    /// Forks a child that redirects its standard error to a pipe, optionally starts a
    /// thread that stays alive, forks a grandchild, and exits with 10 when the warning
    /// reached the pipe, 11 when it did not.
    private func warningPrinted(startingThread: Bool) throws -> Bool? {
        let child = ChildProcess(startMethod: .fork) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0, dup2(ends[1], 2) == 2 else { _exit(2) }
            _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
            if startingThread { Self.startSleepingThread() }
            Multiprocessing.warnsOnMultithreadedFork = true
            let grandchild = ChildProcess(startMethod: .fork) {}
            try grandchild.start()
            try grandchild.join()
            let capacity = 4096
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = read(ends[0], &buffer, capacity)
            let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
            _exit(text.contains("warning: forking a process with") ? 10 : 11)
        }
        try child.start()
        try child.join()
        switch child.exitCode {
        case 10: return true
        case 11: return false
        default: return nil
        }
    }

    private static func startSleepingThread() {
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, nil, { _ in
            while true { pause() }
        }, nil)
        precondition(created == 0, "pthread_create failed with \(created)")
    }
}
