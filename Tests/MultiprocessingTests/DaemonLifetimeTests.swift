#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

final class DaemonLifetimeTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    /// SIGKILL a parent: its daemon children are gone within 1 s, with no orphan in 100
    /// trials. Trials run four at a time.
    func testDaemonChildrenDieWithASIGKILLedParent() throws {
        #if os(Linux)
        let daemonPids = try ProcessQueue<Int32>()
        var orphans: [Int32] = []
        let trials = 100
        let batch = 4
        for _ in 0..<(trials / batch) {
            var parents: [ChildProcess] = []
            for _ in 0..<batch {
                let parent = ChildProcess(startMethod: .fork) {
                    let daemon = ChildProcess(daemon: true, startMethod: .fork) {
                        try daemonPids.put(Multiprocessing.currentProcess.pid)
                        while true { usleep(1_000_000) }
                    }
                    try daemon.start()
                    while true { usleep(1_000_000) }
                }
                try parent.start()
                parents.append(parent)
            }
            var daemons: [Int32] = []
            for _ in 0..<batch { daemons.append(try daemonPids.get(timeout: 30)) }
            for parent in parents { try parent.kill() }
            for parent in parents { try parent.join() }
            _ = ChildProcessTestSupport.eventually(within: 1) { daemons.allSatisfy(ChildProcessTestSupport.isGone) }
            for pid in daemons where !ChildProcessTestSupport.isGone(pid) {
                orphans.append(pid)
                kill(pid, SIGKILL)
            }
        }
        XCTAssertEqual(orphans, [], "daemon children outlived their SIGKILLed parent")
        #endif
    }

    func testDaemonChildIsTerminatedWhenItsParentExitsNormally() throws {
        let daemonPid = try ProcessQueue<Int32>()
        let daemonRunning = try ProcessEvent()
        let parent = ChildProcess(startMethod: .fork) {
            let daemon = ChildProcess(daemon: true, startMethod: .fork) {
                try daemonPid.put(Multiprocessing.currentProcess.pid)
                try daemonRunning.set()
                while true { usleep(1_000_000) }
            }
            try daemon.start()
            try daemonRunning.wait()
        }
        try parent.start()
        let pid = try daemonPid.get(timeout: 30)
        try parent.join()
        XCTAssertEqual(parent.exitCode, 0)
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 10) { ChildProcessTestSupport.isGone(pid) })
    }
}
