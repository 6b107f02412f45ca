import GreenHub
import Greenlets
import WeaveTestSupport
import XCTest

private struct Failure: Error, Equatable {
    var code: Int
}

final class GreenThreadTests: XCTestCase {
    func testSpawnRunsWhenTheCallerBlocksAndGetReturnsTheValue() throws {
        var log: [String] = []
        let thread = Green.spawn(name: "answer") { () -> Int in
            log.append("running")
            return 42
        }
        log.append("spawned")
        XCTAssertFalse(thread.hasStarted)
        XCTAssertEqual(try thread.get(), 42)
        XCTAssertEqual(log, ["spawned", "running"])
        XCTAssertTrue(thread.isReady)
        XCTAssertTrue(thread.isSuccessful)
        XCTAssertEqual(thread.value, 42)
        XCTAssertNil(thread.error)
        XCTAssertEqual(thread.name, "answer")
    }

    func testGetRethrowsTheBodysError() throws {
        let thread = Green.spawn { () -> Int in throw Failure(code: 7) }
        XCTAssertThrowsError(try thread.get()) { XCTAssertEqual($0 as? Failure, Failure(code: 7)) }
        XCTAssertTrue(thread.isReady)
        XCTAssertFalse(thread.isSuccessful)
        XCTAssertEqual(thread.error as? Failure, Failure(code: 7))
    }

    func testJoinWithTimeoutReturnsFalseWhileStillRunning() throws {
        let slow = Green.spawn { try Green.sleep(0.5) }
        XCTAssertFalse(try slow.join(timeout: 0.01))
        XCTAssertFalse(slow.isReady)
        try slow.kill()
        XCTAssertTrue(slow.isReady)
    }

    func testGetWithTimeoutThrowsGreenTimeoutError() throws {
        let slow = Green.spawn { () -> Int in
            try Green.sleep(0.5)
            return 1
        }
        XCTAssertThrowsError(try slow.get(timeout: 0.01)) { XCTAssertTrue($0 is GreenTimeoutError) }
        try slow.kill()
    }

    func testKillRaisesAtTheWaitAndRunsCleanups() throws {
        var cleaned = false
        let sleeper = Green.spawn { () -> Int in
            defer { cleaned = true }
            try Green.sleep(10)
            return 1
        }
        try Green.sleep(0)
        XCTAssertTrue(sleeper.hasStarted)
        XCTAssertTrue(try sleeper.kill())
        XCTAssertTrue(cleaned)
        XCTAssertTrue(sleeper.isSuccessful, "a GreenletExit kill counts as a normal end")
        XCTAssertNil(sleeper.value)
        XCTAssertThrowsError(try sleeper.get()) { XCTAssertTrue($0 is GreenletExit) }
    }

    func testKillWithACustomErrorMakesItTheResult() throws {
        let sleeper = Green.spawn { try Green.sleep(10) }
        try Green.sleep(0)
        try sleeper.kill(Failure(code: 3))
        XCTAssertEqual(sleeper.error as? Failure, Failure(code: 3))
    }

    func testKillingAnUnstartedGreenThreadMeansItNeverRuns() throws {
        var ran = false
        let thread = Green.spawn { ran = true }
        try thread.kill()
        try Green.sleep(0)
        XCTAssertFalse(ran)
        XCTAssertTrue(thread.isReady)
        XCTAssertFalse(thread.hasStarted)
    }

    func testKillWithoutWaitingReturnsAtOnce() throws {
        let sleeper = Green.spawn { try Green.sleep(10) }
        try Green.sleep(0)
        XCTAssertFalse(try sleeper.kill(wait: false))
        XCTAssertTrue(try sleeper.join())
    }

    func testLinksRunWhenTheGreenThreadFinishes() throws {
        var events: [String] = []
        let good = Green.spawn { 1 }
        let bad = Green.spawn { () -> Int in throw Failure(code: 1) }
        good.link { events.append("good link \($0.name == good.name)") }
        good.linkValue { _ in events.append("good value") }
        good.linkError { _ in events.append("good error") }
        bad.linkValue { _ in events.append("bad value") }
        bad.linkError { _ in events.append("bad error") }
        try Green.joinAll([good, bad])
        XCTAssertEqual(events, ["good link true", "good value", "bad error"])
        good.link { _ in events.append("late link runs at once") }
        XCTAssertEqual(events.last, "late link runs at once")
    }

    func testJoinAllReturnsThreadsInTheOrderTheyFinish() throws {
        let slow = Green.spawn(name: "slow") { try Green.sleep(0.05) }
        let fast = Green.spawn(name: "fast") { try Green.sleep(0.01) }
        let instant = Green.spawn(name: "instant") {}
        let finished = try Green.joinAll([slow, fast, instant])
        XCTAssertEqual(finished.map(\.name), ["instant", "fast", "slow"])
    }

    func testJoinAllWithTimeoutReturnsOnlyTheFinishedOnes() throws {
        let slow = Green.spawn(name: "slow") { try Green.sleep(5) }
        let quick = Green.spawn(name: "quick") {}
        let finished = try Green.joinAll([slow, quick], timeout: 0.05)
        XCTAssertEqual(finished.map(\.name), ["quick"])
        try slow.kill()
    }

    func testJoinAllRaiseErrorThrowsTheFirstFailureAsItHappens() throws {
        let failing = Green.spawn { () -> Int in
            try Green.sleep(0.01)
            throw Failure(code: 9)
        }
        let slow = Green.spawn { try Green.sleep(5) }
        XCTAssertThrowsError(try Green.joinAll([failing, slow], raiseError: true)) {
            XCTAssertEqual($0 as? Failure, Failure(code: 9))
        }
        XCTAssertFalse(slow.isReady)
        try slow.kill()
    }

    func testKillAllKillsEveryOne() throws {
        let threads = (0..<5).map { _ in Green.spawn { try Green.sleep(10) } }
        try Green.sleep(0)
        try Green.killAll(threads)
        XCTAssertTrue(threads.allSatisfy(\.isReady))
    }

    func testCompletedYieldsThreadsAsTheyFinish() throws {
        let threads = [0.03, 0.01, 0.02].enumerated().map { index, delay in
            Green.spawn(name: "t\(index)") { try Green.sleep(delay) }
        }
        let order = try Green.completed(threads).map(\.name)
        XCTAssertEqual(order, ["t1", "t2", "t0"])
    }

    func testSpawnLaterStartsAfterTheDelay() throws {
        var log: [String] = []
        let later = Green.spawnLater(0.03) { log.append("later") }
        let soon = Green.spawn { log.append("soon") }
        try Green.joinAll([later, soon])
        XCTAssertEqual(log, ["soon", "later"])
    }

    func testGreenThreadsOfOneHubInterleaveAtEveryBlockingCall() throws {
        var log: [String] = []
        let a = Green.spawn {
            for step in 0..<3 {
                log.append("a\(step)")
                try Green.sleep(0)
            }
        }
        let b = Green.spawn {
            for step in 0..<3 {
                log.append("b\(step)")
                try Green.sleep(0)
            }
        }
        try Green.joinAll([a, b])
        XCTAssertEqual(log, ["a0", "b0", "a1", "b1", "a2", "b2"])
    }

    func testManyGreenThreadsAtOnce() throws {
        var total = 0
        let threads = (0..<10_000).map { index in
            Green.spawn(stackMode: index.isMultiple(of: 2) ? .compact : .dedicated) {
                try Green.sleep(0.001)
                total += 1
            }
        }
        try Green.joinAll(threads)
        XCTAssertEqual(total, 10_000)
    }

    func testUsingAGreenThreadFromAnotherThreadIsAnError() throws {
        let box = UncheckedBox<AnyGreenThread?>(Green.spawn {})
        let outcome = UncheckedBox<(any Error)?>(nil)
        runOnNewThread {
            do {
                try box.value!.join()
            } catch {
                outcome.value = error
            }
        }
        XCTAssertEqual((outcome.value as? HubError)?.code, .wrongThread)
        try box.value!.join()
    }
}
