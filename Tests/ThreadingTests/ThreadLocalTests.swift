import Threading
import WeaveTestSupport
import XCTest

final class ThreadLocalTests: XCTestCase {
    func testEachThreadSeesItsOwnCopy() throws {
        let local = ThreadLocal(default: 0)
        local.value = 99
        let workers = (1...4).map { n in
            OSThread { () -> [Int] in
                let first = local.value
                local.value = n
                return [first, local.value]
            }
        }
        for worker in workers { try worker.start() }
        for (n, worker) in zip(1..., workers) {
            XCTAssertEqual(try worker.get(), [0, n])
        }
        XCTAssertEqual(local.value, 99, "other threads' writes never reach this one")
    }

    func testAThreadsValuesAreReleasedWhenItEnds() throws {
        let tracker = LifetimeTracker()
        let local = ThreadLocal<LifetimeTracker.Tracked<Int>?>(default: nil)
        let stored = ThreadEvent()
        let release = ThreadEvent()
        let worker = OSThread {
            local.value = tracker.instance(1)
            stored.set()
            release.wait()
        }
        try worker.start()
        XCTAssertTrue(stored.wait(timeout: 30))
        XCTAssertEqual(tracker.liveCount, 1)
        release.set()
        try worker.join()
        XCTAssertEqual(tracker.liveCount, 0, "the finished thread's value was not released")
    }

    func testAForeignThreadsValuesAreReleasedWhenItExits() {
        let tracker = LifetimeTracker()
        let local = ThreadLocal<LifetimeTracker.Tracked<Int>?>(default: nil)
        runOnNewThread { local.value = tracker.instance(2) }
        XCTAssertEqual(tracker.liveCount, 0)
    }

    func testDroppingTheLocalReleasesTheCopiesOfLiveThreads() throws {
        let tracker = LifetimeTracker()
        let local = UncheckedBox<ThreadLocal<LifetimeTracker.Tracked<Int>?>?>(ThreadLocal(default: nil))
        let stored = ThreadEvent()
        let release = ThreadEvent()
        let worker = OSThread {
            local.value?.value = tracker.instance(3)
            stored.set()
            release.wait()
        }
        try worker.start()
        XCTAssertTrue(stored.wait(timeout: 30))
        XCTAssertEqual(tracker.liveCount, 1)
        local.value = nil
        XCTAssertEqual(tracker.liveCount, 0, "the dropped local's value lived on in a running thread")
        release.set()
        try worker.join()
    }

    func testTheDefaultIsMadeOnEachThreadOnce() throws {
        let tracker = LifetimeTracker()
        let local = ThreadLocal(default: tracker.instance(0))
        let worker = OSThread { local.value === local.value }
        try worker.start()
        XCTAssertTrue(try worker.get(), "a thread's first read keeps the default it made")
        XCTAssertTrue(ChildProcessTestSupport.eventually(within: 30) { tracker.liveCount == 0 })
    }
}
