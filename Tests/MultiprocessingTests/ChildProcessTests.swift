#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

final class ChildProcessTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testRunsClosureAndReportsExitCodes() throws {
        let ok = ChildProcess(startMethod: .fork) {}
        let failing = ChildProcess(startMethod: .fork) { throw MultiprocessingError(.invalidArgument) }
        let exiting = ChildProcess(startMethod: .fork) { _exit(7) }
        for child in [ok, failing, exiting] { try child.start() }
        for child in [ok, failing, exiting] { XCTAssertTrue(try child.join()) }
        XCTAssertEqual(ok.exitCode, 0)
        XCTAssertEqual(failing.exitCode, 1)
        XCTAssertEqual(exiting.exitCode, 7)
        XCTAssertFalse(ok.isAlive)
    }

    func testChildSeesItsNameArgumentsAndParent() throws {
        let queue = try ProcessQueue<[String]>()
        let child = ChildProcess(name: "worker", startMethod: .fork, arguments: 21) { number in
            let me = Multiprocessing.currentProcess
            try queue.put([me.name, String(me.pid), String(Multiprocessing.parentProcess?.pid ?? -1), String(number * 2)])
        }
        XCTAssertNil(child.pid)
        try child.start()
        let reply = try queue.get(timeout: 30)
        try child.join()
        XCTAssertEqual(reply, ["worker", String(child.pid ?? 0), String(getpid()), "42"])
        XCTAssertEqual(Multiprocessing.currentProcess.name, "MainProcess")
        XCTAssertNil(Multiprocessing.parentProcess)
        XCTAssertGreaterThan(Multiprocessing.cpuCount, 0)
    }

    func testTerminateKillAndLiveness() throws {
        let sleeper = ChildProcess(startMethod: .fork) { while true { usleep(100_000) } }
        let victim = ChildProcess(startMethod: .fork) { while true { usleep(100_000) } }
        try sleeper.start()
        try victim.start()
        XCTAssertTrue(sleeper.isAlive)
        XCTAssertFalse(try sleeper.join(timeout: 0.05))
        XCTAssertNil(sleeper.exitCode)
        XCTAssertTrue(Multiprocessing.activeChildren().contains { $0 === sleeper })
        try sleeper.terminate()
        try victim.kill()
        try sleeper.join()
        try victim.join()
        XCTAssertEqual(sleeper.exitCode, -SIGTERM)
        XCTAssertEqual(victim.exitCode, -SIGKILL)
        XCTAssertFalse(Multiprocessing.activeChildren().contains { $0 === sleeper })
        try sleeper.terminate()
    }

    func testTerminateEndsAChildWhoseParentCaughtOrIgnoredSIGTERM() throws {
        // A program under swift-service-lifecycle catches SIGTERM; one that ignores it is
        // no different for its children: terminate() must still end them.
        // The disposition is put back as it was, not to SIG_DFL: libdispatch's SIGTERM
        // handler, once installed, is never installed again in this process.
        var previous = sigaction()
        sigaction(SIGTERM, nil, &previous)
        defer { sigaction(SIGTERM, &previous, nil) }
        for disposition in ["caught", "ignored"] {
            if disposition == "caught" {
                signal(SIGTERM) { _ in }
            } else {
                signal(SIGTERM, SIG_IGN)
            }
            let sleeper = ChildProcess(startMethod: .fork) { while true { usleep(100_000) } }
            try sleeper.start()
            try sleeper.terminate()
            let ended = try sleeper.join(timeout: 10)
            if !ended { try sleeper.kill() }
            XCTAssertTrue(ended, "a parent that \(disposition) SIGTERM left its child deaf to terminate()")
            XCTAssertEqual(sleeper.exitCode, ended ? -SIGTERM : -SIGKILL, disposition)
        }
    }

    func testMisuseGivesClearErrors() throws {
        let child = ChildProcess(startMethod: .fork) {}
        XCTAssertThrowsError(try child.join()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .notStarted) }
        XCTAssertThrowsError(try child.terminate()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .notStarted) }
        try child.start()
        XCTAssertThrowsError(try child.start()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .alreadyStarted) }
        try child.join()
        try child.close()
        XCTAssertThrowsError(try child.join()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .processClosed) }
        XCTAssertNil(child.pid)

        let running = ChildProcess(startMethod: .fork) { usleep(200_000) }
        try running.start()
        XCTAssertThrowsError(try running.close()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .stillRunning) }
        try running.join()

        let closure = ChildProcess(startMethod: .spawn) {}
        XCTAssertThrowsError(try closure.start()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument) }
    }

    func testDroppedHandlesLeaveNoZombies() throws {
        var pids: [Int32] = []
        for _ in 0..<5 {
            let child = ChildProcess(startMethod: .fork) {}
            try child.start()
            pids.append(child.pid ?? 0)
        }
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 10) {
            _ = Multiprocessing.activeChildren()
            return pids.allSatisfy { kill($0, 0) != 0 && errno == ESRCH }
        }, "children whose handles were dropped must be reaped, not left as zombies")
    }

    func testNonDaemonChildrenOfAChildAreJoinedAtItsExit() throws {
        let flag = try SharedValue<Int32>(0)
        let parent = ChildProcess(startMethod: .fork) {
            let grandchild = ChildProcess(startMethod: .fork) {
                usleep(200_000)
                flag.value = 1
            }
            try grandchild.start()
        }
        try parent.start()
        try parent.join()
        XCTAssertEqual(parent.exitCode, 0)
        XCTAssertEqual(flag.value, 1, "a child's exit must wait for its non-daemon children")
    }
}
