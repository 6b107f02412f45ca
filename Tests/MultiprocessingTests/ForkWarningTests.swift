#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

/// The one-time warning on forking a multi-threaded process, logged through
/// `Multiprocessing.logger` at `warning`. Each check runs in a forked child, which starts
/// single-threaded and owns its logger and its warning flag.
final class ForkWarningTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testNoWarningWhenNoThreadWasStarted() throws {
        XCTAssertEqual(try ChildProcessTestSupport.holdsInChild { try Self.warnings(startingThread: false).isEmpty }, true)
    }

    func testWarningOnceAThreadRunsWithThePidAndThreadCount() throws {
        let held = try ChildProcessTestSupport.holdsInChild {
            let warnings = try Self.warnings(startingThread: true)
            let threads = Int(warnings.first?.metadata["threads"] ?? "") ?? 0
            return warnings.count == 1 && threads >= 2 && warnings[0].metadata["pid"] == "\(getpid())"
                && warnings[0].message.hasPrefix("forking a process with \(threads) threads")
        }
        XCTAssertEqual(held, true)
    }

    /// In a fresh child: logs into a capture, optionally starts a thread that stays alive,
    /// forks two grandchildren, and returns the warnings logged.
    private static func warnings(startingThread: Bool) throws -> [LogCapture.Entry] {
        let capture = LogCapture()
        Multiprocessing.logger = capture.logger(label: "test")
        if startingThread { startSleepingThread() }
        Multiprocessing.warnsOnMultithreadedFork = true
        for _ in 0..<2 {
            let grandchild = ChildProcess(startMethod: .fork) {}
            try grandchild.start()
            try grandchild.join()
        }
        return capture.entries.filter { $0.level == .warning }
    }

    static func startSleepingThread() {
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
