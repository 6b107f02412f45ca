import GreenHub
import Greenlets
import XCTest

final class GreenGroupTests: XCTestCase {
    func testMembersLeaveWhenTheyFinish() throws {
        let group = GreenGroup(name: "crew")
        let gate = GreenEvent()
        let first = try group.spawn { try gate.wait() }
        let second = try group.spawn { () -> Int in
            try gate.wait()
            return 2
        }
        XCTAssertEqual(group.count, 2)
        XCTAssertTrue(group.contains(first))
        XCTAssertEqual(group.threads.map(\.name), [first.name, second.name])
        try gate.set()
        XCTAssertTrue(try group.join())
        XCTAssertTrue(group.isEmpty)
        XCTAssertEqual(second.value, 2)
    }

    func testAddAndDiscard() throws {
        let group = GreenGroup()
        let sleeper = Green.spawn { try Green.sleep(10) }
        try group.add(sleeper)
        try group.add(sleeper)
        XCTAssertEqual(group.count, 1)
        try group.discard(sleeper)
        XCTAssertTrue(group.isEmpty)
        XCTAssertTrue(try group.join(timeout: 0))
        try sleeper.kill()
        let finished = Green.spawn {}
        try finished.join()
        try group.add(finished)
        XCTAssertTrue(group.isEmpty)
    }

    func testMapRunsEveryCallAtOnceAndKeepsOrder() throws {
        let group = GreenGroup()
        var running = 0
        var mostRunning = 0
        let results = try group.map(["c", "a", "b"]) { (name: String) -> String in
            running += 1
            mostRunning = max(mostRunning, running)
            try Green.sleep(0)
            running -= 1
            return name.uppercased()
        }
        XCTAssertEqual(results, ["C", "A", "B"])
        XCTAssertEqual(mostRunning, 3)
    }

    func testJoinWithRaiseErrorThrowsTheFirstError() throws {
        let group = GreenGroup()
        let gate = GreenEvent()
        try group.spawn { try gate.wait() }
        try group.spawn { () -> Void in throw PrimitiveTestFailure(code: 9) }
        XCTAssertThrowsError(try group.join(raiseError: true)) {
            XCTAssertEqual($0 as? PrimitiveTestFailure, PrimitiveTestFailure(code: 9))
        }
        XCTAssertEqual(group.count, 1)
        try group.killAll()
        XCTAssertTrue(group.isEmpty)
    }

    func testKillAllFromAMemberSparesTheCaller() throws {
        let group = GreenGroup()
        for _ in 0..<3 {
            try group.spawn { try Green.sleep(10) }
        }
        let killer = try group.spawn { () -> Int in
            try group.killAll()
            return group.count
        }
        XCTAssertEqual(try killer.get(), 1)
        XCTAssertTrue(try group.join())
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let group = GreenGroup()
        let member = Green.spawn {}
        assertWrongThread { try group.spawn {} }
        assertWrongThread { try group.add(member) }
        assertWrongThread { try group.join() }
        XCTAssertTrue(group.isEmpty)
        try member.join()
    }

    func testJoiningAGroupWhoseMembersWaitForEverIsADeadlockThatNamesIt() throws {
        let group = GreenGroup(name: "crew")
        let gate = GreenEvent(name: "gate")
        try group.spawn(name: "member") { try gate.wait() }
        assertDeadlock(mentioning: ["greenlet 'main' waits on GreenGroup 'crew' (1 running) — join"]) {
            try group.join()
        }
        try group.killAll()
    }
}
