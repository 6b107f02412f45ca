import Foundation
import GreenHub
import Managers
import Multiprocessing
import WeaveTestSupport
import XCTest

/// A manager process and its proxies, with real processes on loopback.
final class ManagerTests: XCTestCase {
    private var manager: Manager!

    override func setUpWithError() throws {
        Multiprocessing.warnsOnMultithreadedFork = false
        manager = Manager()
        try manager.register(Self.tally)
        try manager.start()
    }

    override func tearDownWithError() throws {
        try manager.shutdown()
        manager = nil
    }

    final class Tally { var total = 0 }

    static let tally = ServedType("Tally") { Tally() }
        .method("add") { (tally: Tally, amount: Int) in
            tally.total += amount
            return tally.total
        }
        .method("total") { (tally: Tally) in tally.total }
        .method("fail") { (_: Tally) -> Int in throw ManagerError(.invalidRequest, context: "asked to fail") }

    func testDictionaryListAndNamespace() throws {
        let scores: ManagedDictionary<String, Int> = try manager.dictionary()
        try scores.set("b", to: 2)
        try scores.set("a", to: 1)
        XCTAssertEqual(try scores["a"], 1)
        XCTAssertNil(try scores["missing"])
        XCTAssertEqual(try scores.keys(), ["b", "a"], "keys keep insertion order")
        XCTAssertEqual(try scores.snapshot(), ["a": 1, "b": 2])
        XCTAssertTrue(try scores.contains("b"))
        XCTAssertEqual(try scores.removeValue(forKey: "b"), 2)
        XCTAssertEqual(try scores.count(), 1)
        XCTAssertEqual(try scores.update("a") { ($0 ?? 0) + 10 }, 11)
        XCTAssertNil(try scores.update("a") { _ in nil })
        XCTAssertEqual(try scores.count(), 0)

        let log: ManagedList<String> = try manager.list()
        try log.append("one")
        try log.append(contentsOf: ["two", "three"])
        try log.insert("zero", at: 0)
        try log.set(3, to: "THREE")
        XCTAssertEqual(try log[1], "one")
        XCTAssertEqual(try log.remove(at: 0), "zero")
        XCTAssertEqual(try log.snapshot(), ["one", "two", "THREE"])
        XCTAssertThrowsError(try log[3]) { XCTAssertEqual(($0 as? ManagerError)?.code, .indexOutOfRange) }

        let settings = try manager.namespace()
        try settings.set("name", to: "weave")
        try settings.set("workers", to: 4)
        XCTAssertEqual(try settings.get("name", as: String.self), "weave")
        XCTAssertEqual(try settings.update("workers", as: Int.self) { ($0 ?? 0) * 2 }, 8)
        XCTAssertEqual(try settings.names(), ["name", "workers"])
        XCTAssertTrue(try settings.remove("name"))
        XCTAssertNil(try settings.get("name", as: String.self))
    }

    func testSilentAndGarbageClientsDoNotHoldUpTheManager() throws {
        guard case .unix(let path) = manager.address else { return XCTFail("expected a Unix address") }
        let silent = ProcessConnection(descriptor: try Syscalls.connectUnix(path: path), readable: true, writable: true)
        let garbage = ProcessConnection(descriptor: try Syscalls.connectUnix(path: path), readable: true, writable: true)
        defer {
            silent.close()
            garbage.close()
        }
        try garbage.sendBytes(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        let shared: ManagedDictionary<String, Int> = try manager.dictionary()
        try shared.set("served", to: 1)
        XCTAssertEqual(try shared["served"], 1, "a silent client's handshake does not block others")
        let wrongKey = Manager(address: manager.address, authenticationKey: AuthenticationKey("not the manager's"))
        XCTAssertThrowsError(try wrongKey.connect()) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .peerNotAuthenticated)
        }
        XCTAssertEqual(try shared.update("served") { ($0 ?? 0) + 1 }, 2)
    }

    func testNamedObjectsAreSharedAndKindsAreChecked() throws {
        let first: ManagedDictionary<String, Int> = try manager.dictionary(named: "jobs")
        let second: ManagedDictionary<String, Int> = try manager.dictionary(named: "jobs")
        try first.set("x", to: 1)
        XCTAssertEqual(try second["x"], 1)
        XCTAssertThrowsError(try manager.list(named: "jobs", of: [Int].self)) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .wrongKind)
        }
    }

    func testServedTypeRunsItsMethodsOnTheManager() throws {
        let tally = try manager.make("Tally")
        XCTAssertEqual(try tally.call("add", 5, returning: Int.self), 5)
        XCTAssertEqual(try tally.call("add", 2, returning: Int.self), 7)
        XCTAssertEqual(try tally.call("total", returning: Int.self), 7)
        XCTAssertThrowsError(try tally.call("fail", returning: Int.self)) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .methodFailed)
        }
        XCTAssertThrowsError(try tally.call("nope", returning: Int.self)) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .unknownMethod)
        }
        XCTAssertThrowsError(try manager.make("Unregistered")) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .unknownType)
        }
    }

    func testConcurrentUpdatesFromFourProcessesLoseNothing() throws {
        let counts: ManagedDictionary<String, Int> = try manager.dictionary()
        let seen: ManagedList<Int> = try manager.list()
        let tally = try manager.make("Tally")
        let perProcess = 200
        let workers = (0..<4).map { worker in
            ChildProcess(startMethod: .fork) {
                for step in 0..<perProcess {
                    try counts.update("total") { ($0 ?? 0) + 1 }
                    _ = try tally.call("add", 1, returning: Int.self)
                    if step % 50 == 0 { try seen.append(worker) }
                }
            }
        }
        for worker in workers { try worker.start() }
        for worker in workers {
            try worker.join()
            XCTAssertEqual(worker.exitCode, 0)
        }
        XCTAssertEqual(try counts["total"], 4 * perProcess)
        XCTAssertEqual(try tally.call("total", returning: Int.self), 4 * perProcess)
        XCTAssertEqual(try seen.snapshot().sorted(), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
    }

    func testQueueAndEventAcrossProcesses() throws {
        let jobs: ManagedQueue<Int> = try manager.queue(maximumCount: 2)
        let results: ManagedQueue<Int> = try manager.queue()
        let done = try manager.event()
        let consumer = ChildProcess(startMethod: .fork) {
            while true {
                let job = try jobs.get()
                if job < 0 { break }
                try results.put(job * job)
            }
            try done.set()
        }
        try consumer.start()
        for job in 1...5 { try jobs.put(job) }
        try jobs.put(-1)
        XCTAssertTrue(try done.wait(timeout: .seconds(30)))
        XCTAssertEqual(try (0..<5).map { _ in try results.get() }, [1, 4, 9, 16, 25])
        XCTAssertThrowsError(try results.get(timeout: 0)) { XCTAssertEqual(($0 as? ManagerError)?.code, .queueEmpty) }
        try consumer.join()
        XCTAssertEqual(consumer.exitCode, 0)
        XCTAssertTrue(try done.isSet())
        try done.clear()
        XCTAssertFalse(try done.wait(timeout: 0.05))
    }

    func testLockHeldByAKilledClientPassesOnWithAClearError() throws {
        let lock = try manager.lock()
        let holding = try manager.event()
        let holder = ChildProcess(startMethod: .fork) {
            _ = try lock.acquire()
            try holding.set()
            while true { Thread.sleep(forTimeInterval: 1) }
        }
        try holder.start()
        XCTAssertTrue(try holding.wait(timeout: 30))
        XCTAssertFalse(try lock.acquire(timeout: 0), "the child holds the lock")
        let waiter = codeThrown { _ = try lock.acquire() }
        try holder.kill()
        _ = try holder.join()
        XCTAssertEqual(try waiter.result(), .lockOwnerDied, "the next holder is told its predecessor died")
        try lock.release()
        XCTAssertTrue(try lock.acquire(timeout: 5), "after a normal release the lock works as before")
        try lock.release()
        XCTAssertThrowsError(try lock.release()) { XCTAssertEqual(($0 as? ManagerError)?.code, .notOwner) }
    }

    /// Runs `body` on a thread; its result is the code of the `ManagerError` it threw (nil
    /// if it returned).
    private func codeThrown(_ body: @escaping @Sendable () throws -> Void) -> BackgroundWork<ManagerError.Code?> {
        BackgroundWork {
            do {
                try body()
                return nil
            } catch let error as ManagerError {
                return error.code
            }
        }
    }

    func testShutdownFailsCallsInFlight() throws {
        let queue: ManagedQueue<Int> = try manager.queue()
        let lock = try manager.lock()
        let event = try manager.event()
        _ = try lock.acquire()
        let getter = codeThrown { _ = try queue.get() }
        let waiterInChild = ChildProcess(startMethod: .fork) {
            do {
                _ = try event.wait()
            } catch let error as ManagerError where error.code == .managerStopped {
                _exit(7)
            }
        }
        try waiterInChild.start()
        let locker = codeThrown { _ = try lock.acquire() }
        // Give the calls time to reach the manager and park there; one that has not yet
        // arrived fails the same way, as its connection is refused.
        Thread.sleep(forTimeInterval: 0.3)
        let pid = try XCTUnwrap(manager.pid)
        try manager.shutdown()
        XCTAssertEqual(try getter.result(), .managerStopped)
        XCTAssertEqual(try locker.result(), .managerStopped)
        _ = try waiterInChild.join(timeout: 30)
        XCTAssertEqual(waiterInChild.exitCode, 7)
        XCTAssertTrue(ChildProcessTestSupport.isGone(pid))
        XCTAssertThrowsError(try queue.put(1)) { XCTAssertEqual(($0 as? ManagerError)?.code, .managerStopped) }
        XCTAssertThrowsError(try manager.dictionary(of: [String: Int].self)) {
            XCTAssertEqual(($0 as? ManagerError)?.code, .managerStopped)
        }
    }

    func testGreenletWaitsOnAProxyWhileOthersRun() throws {
        let event = try manager.event()
        let ticks: ManagedList<Int> = try manager.list()
        let waiter = Green.spawn { try event.wait(timeout: 30) }
        let ticker = Green.spawn { () -> Int in
            for tick in 0..<10 {
                try Green.sleep(0.01)
                try ticks.append(tick)
            }
            try event.set()
            return 10
        }
        XCTAssertEqual(try ticker.get(), 10)
        XCTAssertTrue(try waiter.get(), "the waiting greenlet was woken by the ticking one, so both ran")
        XCTAssertEqual(try ticks.snapshot(), Array(0..<10))
    }
}
