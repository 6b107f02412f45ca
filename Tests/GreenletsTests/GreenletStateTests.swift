import Greenlets
import WeaveTestSupport
import XCTest

final class GreenletStateTests: XCTestCase {
    func testStateFlagsFollowTheLifecycle() throws {
        let main = Greenlet.current
        let child = Greenlet(name: "worker") { _ in
            XCTAssertTrue(Greenlet.current.isActive)
            XCTAssertEqual(Greenlet.current.name, "worker")
            try main.switch()
            return nil
        }
        XCTAssertFalse(child.hasStarted)
        XCTAssertFalse(child.isActive)
        XCTAssertFalse(child.isDead)
        try child.switch()
        XCTAssertTrue(child.hasStarted)
        XCTAssertTrue(child.isActive)
        XCTAssertFalse(child.isDead)
        try child.switch()
        XCTAssertTrue(child.hasStarted)
        XCTAssertFalse(child.isActive)
        XCTAssertTrue(child.isDead)
    }

    func testCurrentMainAndParent() throws {
        let main = Greenlet.main
        XCTAssertTrue(main.isMain)
        XCTAssertNil(main.parent)
        XCTAssertTrue(Greenlet.current === main)
        let child = Greenlet { _ in
            XCTAssertTrue(Greenlet.current.parent === main)
            XCTAssertFalse(Greenlet.current.isMain)
            return Greenlet.current
        }
        XCTAssertTrue(child.parent === main)
        XCTAssertTrue(try child.switch() as? Greenlet === child)
    }

    func testTheDefaultParentIsTheCreatingGreenlet() throws {
        let outer = Greenlet { _ in
            let inner = Greenlet { _ in nil }
            return inner.parent === Greenlet.current
        }
        XCTAssertEqual(try outer.switch() as? Bool, true)
    }

    func testParentCanBeReassigned() throws {
        let main = Greenlet.current
        let newParent = Greenlet { value in try main.switch("new parent got \(value!)") }
        let child = Greenlet { _ in "result" }
        try child.setParent(newParent)
        XCTAssertTrue(child.parent === newParent)
        XCTAssertEqual(try child.switch() as? String, "new parent got result")
    }

    func testAParentCycleIsRefused() throws {
        let a = Greenlet { _ in nil }
        let b = try Greenlet(parent: a) { _ in nil }
        let c = try Greenlet(parent: b) { _ in nil }
        XCTAssertThrowsError(try a.setParent(c)) {
            XCTAssertEqual(($0 as? GreenletError)?.code, .parentCycle)
        }
        XCTAssertThrowsError(try a.setParent(a)) {
            XCTAssertEqual(($0 as? GreenletError)?.code, .parentCycle)
        }
        XCTAssertTrue(a.parent === Greenlet.main)
    }

    func testTheMainGreenletsParentCannotBeSet() {
        let other = Greenlet { _ in nil }
        XCTAssertThrowsError(try Greenlet.main.setParent(other)) {
            XCTAssertEqual(($0 as? GreenletError)?.code, .mainGreenletParent)
        }
    }

    func testGreenletLocalValuesArePerGreenlet() throws {
        let local = GreenletLocal(default: "unset")
        local.value = "main's"
        let main = Greenlet.current
        let child = Greenlet { _ in
            XCTAssertEqual(local.value, "unset")
            local.value = "child's"
            try main.switch()
            return local.value
        }
        try child.switch()
        XCTAssertEqual(local.value, "main's")
        XCTAssertEqual(try child.switch() as? String, "child's")
        XCTAssertEqual(local.value, "main's")
    }

    func testGreenletLocalValuesAreReleasedWhenTheGreenletFinishes() throws {
        let tracker = LifetimeTracker()
        let local = GreenletLocal<LifetimeTracker.Tracked<Int>?>(default: nil)
        let child = Greenlet { _ in
            local.value = tracker.instance(1)
            return nil
        }
        try child.switch()
        XCTAssertEqual(tracker.liveCount, 0)
    }

    func testTracerSeesEverySwitchAndThrow() throws {
        var events: [(GreenletTraceEvent.Kind, String, String)] = []
        let main = Greenlet.current
        let child = Greenlet(name: "child") { _ in
            try main.switch()
            return nil
        }
        let previous = Greenlet.setTracer { event in
            events.append((event.kind, event.origin.name ?? "?", event.target.name ?? "?"))
        }
        defer { Greenlet.setTracer(previous) }
        try child.switch()
        _ = try child.throw()
        Greenlet.setTracer(nil)
        let recorded = events.map { "\($0.0) \($0.1)->\($0.2)" }
        XCTAssertEqual(recorded, ["switch main->child", "switch child->main", "throw main->child", "switch child->main"])
    }
}
