#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

final class SynchronizationTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    private func code(_ error: any Error) -> MultiprocessingError.Code? {
        (error as? MultiprocessingError)?.code
    }

    func testLockExcludesAcrossProcesses() throws {
        let counter = try SharedValue<Int>(0)
        let workers = (0..<2).map { _ in
            ChildProcess(startMethod: .fork) {
                for _ in 0..<5_000 { try counter.withLock { $0 += 1 } }
            }
        }
        for worker in workers { try worker.start() }
        for worker in workers { try worker.join() }
        XCTAssertEqual(counter.value, 10_000)
    }

    func testLockMisuse() throws {
        let lock = try ProcessLock()
        XCTAssertThrowsError(try lock.release()) { XCTAssertEqual(self.code($0), .notOwner) }
        try lock.acquire()
        XCTAssertThrowsError(try lock.acquire()) { XCTAssertEqual(self.code($0), .invalidArgument) }
        let held = try SharedValue<Int32>(-1)
        let other = ChildProcess(startMethod: .fork) { held.value = try lock.acquire(timeout: 0.05) ? 1 : 0 }
        try other.start()
        try other.join()
        XCTAssertEqual(held.value, 0)
        try lock.release()
    }

    /// A holder that dies does not leave the next locker hanging.
    func testDeadHolderGivesOwnerDiedNotAHang() throws {
        #if os(Linux)
        let lock = try ProcessLock()
        let holder = ChildProcess(startMethod: .fork) {
            try lock.acquire()
            _exit(0)
        }
        try holder.start()
        try holder.join()
        XCTAssertThrowsError(try lock.acquire()) { XCTAssertEqual(self.code($0), .ownerDied) }
        try lock.release()
        XCTAssertTrue(try lock.acquire(timeout: 1))
        try lock.release()

        let rlock = try ProcessRLock()
        let rholder = ChildProcess(startMethod: .fork) {
            try rlock.acquire()
            try rlock.acquire()
            _exit(0)
        }
        try rholder.start()
        try rholder.join()
        XCTAssertThrowsError(try rlock.withLock {}) { XCTAssertEqual(self.code($0), .ownerDied) }
        try rlock.withLock {}
        #endif
    }

    func testRLockIsReentrant() throws {
        let lock = try ProcessRLock()
        try lock.acquire()
        try lock.acquire()
        try lock.release()
        try lock.release()
        XCTAssertThrowsError(try lock.release()) { XCTAssertEqual(self.code($0), .notOwner) }
    }

    func testSemaphores() throws {
        let semaphore = try ProcessSemaphore(value: 2)
        XCTAssertTrue(try semaphore.acquire())
        XCTAssertTrue(try semaphore.acquire(timeout: 0))
        XCTAssertFalse(try semaphore.acquire(timeout: 0.01))
        let releaser = ChildProcess(startMethod: .fork) { try semaphore.release() }
        try releaser.start()
        XCTAssertTrue(try semaphore.acquire(timeout: 30))
        try releaser.join()
        XCTAssertEqual(try semaphore.value, 0)
        XCTAssertThrowsError(try ProcessSemaphore(value: -1)) { XCTAssertEqual(self.code($0), .invalidArgument) }

        let bounded = try ProcessBoundedSemaphore(value: 1)
        XCTAssertThrowsError(try bounded.release()) { XCTAssertEqual(self.code($0), .valueLimitExceeded) }
        try bounded.acquire()
        try bounded.release()
        XCTAssertEqual(try bounded.value, 1)
    }

    func testEventAcrossProcesses() throws {
        let event = try ProcessEvent()
        XCTAssertFalse(try event.wait(timeout: 0.01))
        let setter = ChildProcess(startMethod: .fork) {
            usleep(20_000)
            try event.set()
        }
        try setter.start()
        XCTAssertTrue(try event.wait(timeout: 30))
        XCTAssertTrue(try event.isSet)
        try setter.join()
        try event.clear()
        XCTAssertFalse(try event.isSet)
    }

    func testConditionAcrossProcesses() throws {
        let condition = try ProcessCondition()
        let ready = try SharedValue<Int32>(0, locked: false)
        let waiter = ChildProcess(startMethod: .fork) {
            try condition.withLock {
                _ = try condition.wait(for: { ready.value == 1 }, timeout: 30)
                ready.value = 2
                try condition.notifyAll()
            }
        }
        try waiter.start()
        try condition.withLock {
            ready.value = 1
            try condition.notify()
            XCTAssertTrue(try condition.wait(for: { ready.value == 2 }, timeout: 30))
        }
        try waiter.join()
        XCTAssertThrowsError(try condition.wait(timeout: 0)) { XCTAssertEqual(self.code($0), .notOwner) }
    }

    func testBarrier() throws {
        let barrier = try ProcessBarrier(parties: 3)
        let indices = try SharedArray<Int>(repeating: -1, count: 3, locked: false)
        let children = (0..<2).map { n in
            ChildProcess(startMethod: .fork) { indices[n] = try barrier.wait(timeout: 30) }
        }
        for child in children { try child.start() }
        indices[2] = try barrier.wait(timeout: 30)
        for child in children { try child.join() }
        XCTAssertEqual(indices.array.sorted(), [0, 1, 2])

        XCTAssertThrowsError(try barrier.wait(timeout: 0.01)) { XCTAssertEqual(self.code($0), .brokenBarrier) }
        XCTAssertTrue(try barrier.isBroken)
        try barrier.reset()
        XCTAssertFalse(try barrier.isBroken)
        XCTAssertThrowsError(try ProcessBarrier(parties: 0))
    }
}
