import Greenlets
import WeaveTestSupport
import XCTest

private struct Boom: Error, Equatable {
    var tag: Int
}

final class SwitchSemanticsTests: XCTestCase {
    func testFirstSwitchPassesTheValueToTheBody() throws {
        let child = Greenlet { value in value as! Int * 2 }
        XCTAssertEqual(try child.switch(21) as? Int, 42)
        XCTAssertTrue(child.isDead)
    }

    func testLaterSwitchesReturnWhatTheOtherSideSends() throws {
        let main = Greenlet.current
        let child = Greenlet { value in
            var seen = [value as! String]
            seen.append(try main.switch("first reply") as! String)
            seen.append(try main.switch("second reply") as! String)
            return seen
        }
        XCTAssertEqual(try child.switch("a") as? String, "first reply")
        XCTAssertEqual(try child.switch("b") as? String, "second reply")
        XCTAssertEqual(try child.switch("c") as? [String], ["a", "b", "c"])
    }

    func testSwitchWithoutValueHandsOverNil() throws {
        let main = Greenlet.current
        let child = Greenlet { value in
            XCTAssertNil(value)
            return try main.switch()
        }
        XCTAssertNil(try child.switch())
        XCTAssertEqual(try child.switch(7) as? Int, 7)
    }

    func testReturnValueGoesToTheParentEvenWhenAnotherGreenletSwitchedLast() throws {
        let parent = Greenlet { _ in
            let child = Greenlet { _ in "from child" }
            return "parent got \(try child.switch()!)"
        }
        XCTAssertEqual(try parent.switch() as? String, "parent got from child")
    }

    func testAnErrorThrownOutOfTheBodyIsRethrownInTheParent() {
        let child = Greenlet { _ in throw Boom(tag: 1) }
        XCTAssertThrowsError(try child.switch()) { XCTAssertEqual($0 as? Boom, Boom(tag: 1)) }
        XCTAssertTrue(child.isDead)
    }

    func testThrowRaisesAtThePendingSwitchAndTheGreenletCanCarryOn() throws {
        let main = Greenlet.current
        let child = Greenlet { _ in
            do {
                try main.switch("waiting")
                return "not reached"
            } catch let error as Boom {
                return "caught \(error.tag)"
            }
        }
        XCTAssertEqual(try child.switch() as? String, "waiting")
        XCTAssertEqual(try child.throw(Boom(tag: 9)) as? String, "caught 9")
    }

    func testDefaultThrowIsGreenletExitWhichReturnsNormallyToTheParent() throws {
        let main = Greenlet.current
        var cleanedUp = false
        let child = Greenlet { _ in
            defer { cleanedUp = true }
            try main.switch()
            return "not reached"
        }
        try child.switch()
        XCTAssertNil(try child.throw())
        XCTAssertTrue(cleanedUp)
        XCTAssertTrue(child.isDead)
    }

    func testGreenletExitCarriesItsValueToTheParent() throws {
        let main = Greenlet.current
        let child = Greenlet { _ in try main.switch() }
        try child.switch()
        XCTAssertEqual(try child.throw(GreenletExit(value: "bye")) as? String, "bye")
    }

    func testThrowingIntoAnUnstartedGreenletKillsItWithoutRunningTheBody() {
        var ran = false
        let child = Greenlet { _ in
            ran = true
            return nil
        }
        XCTAssertThrowsError(try child.throw(Boom(tag: 3))) { XCTAssertEqual($0 as? Boom, Boom(tag: 3)) }
        XCTAssertFalse(ran)
        XCTAssertTrue(child.isDead)

        let other = Greenlet { _ in
            ran = true
            return nil
        }
        XCTAssertNil(try other.throw())
        XCTAssertFalse(ran)
        XCTAssertTrue(other.isDead)
    }

    func testSwitchingToADeadGreenletGoesToItsParent() throws {
        let main = Greenlet.current
        var received: [Int] = []
        let parent = Greenlet { _ in
            let child = Greenlet { _ in 1 }
            received.append(try child.switch() as! Int)
            XCTAssertTrue(child.isDead)
            // Switching to the dead child lands back here with the value.
            received.append(try child.switch(2) as! Int)
            try main.switch("parked")
            return nil
        }
        XCTAssertEqual(try parent.switch() as? String, "parked")
        XCTAssertEqual(received, [1, 2])
    }

    func testSwitchingToADeadChainEndsAtTheFirstLiveAncestor() throws {
        let main = Greenlet.current
        let grandparent = Greenlet { value in try main.switch("grandparent got \(value!)") }
        let parent = try Greenlet(parent: grandparent) { _ in "parent done" }
        let child = try Greenlet(parent: parent) { _ in "child done" }
        XCTAssertEqual(try grandparent.switch("start") as? String, "grandparent got start")
        // child finishes into its unstarted parent, whose result resumes the grandparent,
        // whose result comes back here.
        XCTAssertEqual(try child.switch() as? String, "parent done")
        XCTAssertTrue(parent.isDead)
        XCTAssertTrue(grandparent.isDead)
        // Every greenlet up to main is dead: the switch lands on main, the caller.
        XCTAssertEqual(try parent.switch(5) as? Int, 5)
    }

    func testAFinishedChildStartsAnUnstartedParentWithItsResult() throws {
        let parent = Greenlet { value in "parent started with \(value!)" }
        let child = try Greenlet(parent: parent) { _ in "child result" }
        XCTAssertEqual(try child.switch() as? String, "parent started with child result")
        XCTAssertTrue(parent.isDead)
    }

    func testSwitchingToTheRunningGreenletReturnsTheValueAtOnce() throws {
        XCTAssertEqual(try Greenlet.current.switch(5) as? Int, 5)
        XCTAssertThrowsError(try Greenlet.current.throw(Boom(tag: 4))) {
            XCTAssertEqual($0 as? Boom, Boom(tag: 4))
        }
    }

    func testValuesHandedOverAreNeitherLeakedNorReleasedTwice() throws {
        let tracker = LifetimeTracker()
        do {
            let main = Greenlet.current
            let echo = Greenlet { value in
                var value = value
                for _ in 0..<100 { value = try main.switch(value) }
                return value
            }
            var value: Any? = tracker.instance("payload")
            for _ in 0..<100 { value = try echo.switch(value) }
            XCTAssertEqual((try echo.switch(value) as? LifetimeTracker.Tracked<String>)?.payload, "payload")
            XCTAssertEqual(tracker.liveCount, 1)
        }
        XCTAssertEqual(tracker.liveCount, 0)
    }

    /// A value switched into a greenlet whose pending switch takes none (the hub's switch)
    /// is released there, and `nil` handed over arrives as `nil`.
    func testAValueNobodyTakesIsReleasedAndNilArrivesAsNil() throws {
        let tracker = LifetimeTracker()
        let main = Greenlet.current
        let worker = Greenlet { first in
            XCTAssertNil(first)
            try main.switchHandingNothing()
            return try main.switch(nil)
        }
        XCTAssertNil(try worker.switch(nil))
        XCTAssertNil(try worker.switch(tracker.instance("dropped")))
        XCTAssertEqual(tracker.liveCount, 0)
        let boxedNil = try worker.switch(Optional<Int>.none as Any)
        XCTAssertNotNil(boxedNil, "a nil boxed in Any is a value, not nothing")
        XCTAssertTrue(worker.isDead)
    }
}
