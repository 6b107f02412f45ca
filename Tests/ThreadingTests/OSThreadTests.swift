#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Threading
import WeaveTestSupport
import XCTest

private struct WorkFailed: Error, Equatable {
    var reason: String
}

final class OSThreadTests: XCTestCase {
    func testGetReturnsTheBodysValue() throws {
        let worker = OSThread { (1...10).reduce(0, +) }
        XCTAssertNil(worker.value)
        try worker.start()
        XCTAssertEqual(try worker.get(), 55)
        XCTAssertEqual(worker.value, 55)
        XCTAssertNil(worker.error)
        XCTAssertFalse(worker.isAlive)
    }

    func testAThrownErrorIsKeptForGetAndReportedThroughTheLogger() throws {
        let records = LogCapture()
        let previous = Threading.logger
        Threading.logger = records.logger(label: "threading-test")
        defer { Threading.logger = previous }
        let worker = OSThread<Int>(name: "failing") { throw WorkFailed(reason: "disk full") }
        try worker.start()
        XCTAssertThrowsError(try worker.get()) { error in
            XCTAssertEqual(error as? WorkFailed, WorkFailed(reason: "disk full"))
        }
        XCTAssertEqual(worker.error as? WorkFailed, WorkFailed(reason: "disk full"))
        XCTAssertNil(worker.value)
        let reports = records.entries.filter { $0.metadata["thread.name"] == "failing" }
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports.first?.level, .error)
        XCTAssertEqual(reports.first?.metadata["thread.ident"], worker.ident.map(String.init))
        XCTAssertTrue(reports.first?.metadata["error"]?.contains("disk full") ?? false)
    }

    func testJoinWithATimeoutOnARunningThreadReturnsFalse() throws {
        let release = ThreadEvent()
        let worker = OSThread { release.wait() }
        try worker.start()
        XCTAssertFalse(try worker.join(timeout: 0.05))
        XCTAssertFalse(try worker.join(timeout: .milliseconds(20)))
        XCTAssertTrue(worker.isAlive)
        XCTAssertThrowsError(try worker.get(timeout: 0.01)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .timedOut)
        }
        release.set()
        XCTAssertTrue(try worker.join(timeout: 30))
        XCTAssertFalse(worker.isAlive)
    }

    func testStartingTwiceThrowsAlreadyStarted() throws {
        let worker = OSThread {}
        try worker.start()
        XCTAssertThrowsError(try worker.start()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .alreadyStarted)
        }
        try worker.join()
    }

    func testJoiningBeforeStartThrowsNotStarted() {
        let worker = OSThread {}
        XCTAssertThrowsError(try worker.join()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .notStarted)
        }
        XCTAssertNil(worker.ident)
        XCTAssertNil(worker.nativeID)
    }

    func testAThreadCannotJoinItself() throws {
        let holder = Mutex<AnyOSThread?>(nil)
        let ready = ThreadEvent()
        let worker = OSThread { () -> ThreadingError.Code? in
            ready.wait()
            let me = holder.withLock { $0 }!
            do {
                try me.join()
                return nil
            } catch {
                return (error as? ThreadingError)?.code
            }
        }
        holder.withLock { $0 = worker.handle }
        try worker.start()
        ready.set()
        XCTAssertEqual(try worker.get(), .joinSelf)
    }

    func testTheDaemonFlagIsInheritedAndFixedAtStart() throws {
        let plain = OSThread {}
        XCTAssertFalse(plain.isDaemon, "threads made on the main thread are not daemons")
        let daemon = OSThread(daemon: true) { () -> Bool in
            OSThread {}.isDaemon
        }
        try daemon.start()
        XCTAssertTrue(try daemon.get(), "a daemon thread's threads are daemons by default")
        try plain.setDaemon(true)
        XCTAssertTrue(plain.isDaemon)
        try plain.start()
        XCTAssertThrowsError(try plain.setDaemon(false)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .daemonAfterStart)
        }
        try plain.join()
    }

    func testNamesDefaultToThreadNAndCanChange() throws {
        let first = OSThread {}
        let second = OSThread {}
        XCTAssertTrue(first.name.hasPrefix("Thread-"))
        let number = { (thread: OSThread<Void>) in Int(thread.name.dropFirst("Thread-".count)) }
        XCTAssertEqual(number(second), number(first).map { $0 + 1 })
        first.name = "renamed"
        XCTAssertEqual(first.name, "renamed")
        XCTAssertEqual(OSThread(name: "given") {}.name, "given")
    }

    func testTheBodySeesItsOwnHandleAndIds() throws {
        let worker = OSThread(name: "seer") { () -> (String, UInt, UInt64, Bool) in
            let me = Threading.currentThread
            return (me.name, Threading.getIdent(), Threading.nativeID, me == Threading.mainThread)
        }
        try worker.start()
        let (name, ident, nativeID, isMain) = try worker.get()
        XCTAssertEqual(name, "seer")
        XCTAssertEqual(ident, worker.ident)
        XCTAssertEqual(nativeID, worker.nativeID)
        XCTAssertNotEqual(worker.ident, Threading.getIdent())
        XCTAssertFalse(isMain)
    }

    func testTheMainThreadIsKnown() {
        XCTAssertEqual(Threading.currentThread, Threading.mainThread)
        XCTAssertEqual(Threading.mainThread.name, "MainThread")
        XCTAssertEqual(Threading.mainThread.ident, Threading.getIdent())
        XCTAssertFalse(Threading.mainThread.isDaemon)
        XCTAssertThrowsError(try Threading.mainThread.join(timeout: 0)) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .notJoinable)
        }
    }

    func testEnumerateListsRunningThreadsUntilTheyFinish() throws {
        let release = ThreadEvent()
        let workers = (0..<3).map { _ in OSThread { release.wait() } }
        for worker in workers { try worker.start() }
        let listed = Set(Threading.enumerate())
        for worker in workers { XCTAssertTrue(listed.contains(worker.handle)) }
        XCTAssertTrue(listed.contains(Threading.mainThread))
        XCTAssertGreaterThanOrEqual(Threading.activeCount, 4)
        release.set()
        for worker in workers { try worker.join() }
        let after = Set(Threading.enumerate())
        for worker in workers { XCTAssertFalse(after.contains(worker.handle)) }
    }

    func testAThreadStartedElsewhereGetsADummyHandle() {
        let seen = UncheckedBox<(String, Bool, Bool)?>(nil)
        runOnNewThread {
            let me = Threading.currentThread
            seen.value = (me.name, me.isDaemon, Threading.enumerate().contains(me))
        }
        XCTAssertEqual(seen.value?.0.hasPrefix("Dummy-"), true)
        XCTAssertEqual(seen.value?.1, true)
        XCTAssertEqual(seen.value?.2, true)
        XCTAssertFalse(Threading.enumerate().contains { $0.name == seen.value?.0 })
    }

    func testThreadsRunConcurrently() throws {
        let start = ContinuousClock.now
        let sleepers = (0..<8).map { _ in OSThread { usleep(300_000) } }
        for sleeper in sleepers { try sleeper.start() }
        for sleeper in sleepers { try sleeper.join() }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(1_800), "8 × 0.3 s sleeps ran one after another")
    }

    func testATooSmallStackIsRefusedAndStartCanBeRetried() throws {
        let tiny = OSThread(stackSize: 1) {}
        XCTAssertThrowsError(try tiny.start()) { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .invalidArgument)
        }
        XCTAssertFalse(tiny.isAlive)
        XCTAssertThrowsError(try tiny.start(), "a refused start may be tried again") { error in
            XCTAssertEqual((error as? ThreadingError)?.code, .invalidArgument)
        }
        let sized = OSThread(stackSize: 1 << 20) { 7 }
        try sized.start()
        XCTAssertEqual(try sized.get(), 7)
    }
}
