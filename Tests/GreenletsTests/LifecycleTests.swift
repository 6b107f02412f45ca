import Greenlets
import WeaveTestSupport
import XCTest

final class LifecycleTests: XCTestCase {
    func testReleasingASuspendedGreenletRunsItsDefers() throws {
        var log: [String] = []
        let main = Greenlet.current
        var child: Greenlet? = Greenlet { _ in
            defer { log.append("deferred cleanup") }
            log.append("started")
            try main.switch()
            log.append("not reached")
            return nil
        }
        try child!.switch()
        XCTAssertEqual(log, ["started"])
        child = nil
        XCTAssertEqual(log, ["started", "deferred cleanup"])
    }

    func testReleasingUnstartedOrFinishedGreenletsRunsNothing() throws {
        var ran = false
        var unstarted: Greenlet? = Greenlet { _ in
            ran = true
            return nil
        }
        unstarted = nil
        XCTAssertNil(unstarted)
        XCTAssertFalse(ran)
        var finished: Greenlet? = Greenlet { _ in 1 }
        try finished!.switch()
        finished = nil
        XCTAssertNil(finished)
    }

    func testReleaseOnAnotherThreadKillsTheGreenletAtItsThreadsNextSwitch() throws {
        var cleaned = false
        let main = Greenlet.current
        let box = UncheckedBox<Greenlet?>(
            Greenlet { _ in
                defer { cleaned = true }
                try main.switch()
                return nil
            })
        try box.value!.switch()
        runOnNewThread { box.value = nil }
        XCTAssertFalse(cleaned)
        try Greenlet.current.switch()
        XCTAssertTrue(cleaned)
    }

    func testSwitchingToAnotherThreadsGreenletIsAnError() throws {
        let box = UncheckedBox<Greenlet?>(Greenlet { _ in nil })
        let outcome = UncheckedBox<(any Error)?>(nil)
        runOnNewThread {
            do {
                try box.value!.switch()
            } catch {
                outcome.value = error
            }
        }
        XCTAssertEqual((outcome.value as? GreenletError)?.code, .wrongThread)
        XCTAssertFalse(box.value!.hasStarted)
        XCTAssertNil(try box.value!.switch())
    }

    func testAParentFromAnotherThreadIsRefused() {
        let parentBox = UncheckedBox<Greenlet?>(nil)
        runOnNewThread { parentBox.value = Greenlet.current }
        XCTAssertThrowsError(try Greenlet(parent: parentBox.value!) { _ in nil }) {
            XCTAssertEqual(($0 as? GreenletError)?.code, .parentOnAnotherThread)
        }
        let local = Greenlet { _ in nil }
        XCTAssertThrowsError(try local.setParent(parentBox.value!)) {
            XCTAssertEqual(($0 as? GreenletError)?.code, .parentOnAnotherThread)
        }
    }

    func testEachThreadHasItsOwnMainGreenlet() {
        let here = Greenlet.main
        let thereBox = UncheckedBox<Bool>(false)
        runOnNewThread {
            let there = Greenlet.main
            let child = Greenlet { _ in Greenlet.current.parent === there }
            thereBox.value = there.isMain && (try? child.switch()) as? Bool == true
        }
        XCTAssertTrue(thereBox.value)
        XCTAssertTrue(here.isMain)
        XCTAssertTrue(Greenlet.current === here)
    }

    func testGreenletsRunOnOtherThreadsIndependently() {
        let results = UncheckedBox<[Int]>([])
        runOnNewThread {
            let main = Greenlet.current
            var total = 0
            let counter = Greenlet { _ in
                while true { total += try main.switch() as! Int }
            }
            _ = try? counter.switch()
            for step in 1...100 { _ = try? counter.switch(step) }
            results.value = [total]
        }
        XCTAssertEqual(results.value, [5050])
    }

    func testOneHundredThousandLiveGreenlets() throws {
        let main = Greenlet.current
        var parked: [Greenlet] = []
        parked.reserveCapacity(100_000)
        for index in 0..<100_000 {
            let greenlet = Greenlet { _ in try main.switch(index) }
            XCTAssertEqual(try greenlet.switch() as? Int, index)
            parked.append(greenlet)
        }
        XCTAssertTrue(parked.allSatisfy(\.isActive))
        XCTAssertEqual(try parked[77_777].switch("bye") as? String, "bye")
        XCTAssertTrue(parked[77_777].isDead)
        parked.removeAll()
    }
}
