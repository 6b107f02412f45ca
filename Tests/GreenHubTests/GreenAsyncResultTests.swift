import GreenHub
import Greenlets
import XCTest

final class GreenAsyncResultTests: XCTestCase {
    func testSetWakesEveryGetter() throws {
        let answer = GreenAsyncResult<Int>(name: "answer")
        let getters = (1...3).map { _ in Green.spawn { try answer.get() } }
        try Green.sleep(0)
        XCTAssertFalse(answer.isReady)
        XCTAssertNil(answer.value)
        try answer.set(42)
        XCTAssertEqual(try getters.map { try $0.get() }, [42, 42, 42])
        XCTAssertTrue(answer.isReady)
        XCTAssertTrue(answer.isSuccessful)
        XCTAssertEqual(answer.value, 42)
        XCTAssertNil(answer.error)
        XCTAssertEqual(try answer.get(), 42)
        XCTAssertEqual(try answer.getNowait(), 42)
    }

    func testFailMakesGetThrowTheError() throws {
        let result = GreenAsyncResult<String>()
        let getter = Green.spawn { try result.get() }
        try Green.sleep(0)
        try result.fail(PrimitiveTestFailure(code: 3))
        XCTAssertThrowsError(try getter.get()) { XCTAssertEqual($0 as? PrimitiveTestFailure, PrimitiveTestFailure(code: 3)) }
        XCTAssertTrue(result.isReady)
        XCTAssertFalse(result.isSuccessful)
        XCTAssertEqual(result.error as? PrimitiveTestFailure, PrimitiveTestFailure(code: 3))
        XCTAssertTrue(try result.wait())
    }

    func testCompletingTwiceIsAnError() throws {
        let result = GreenAsyncResult<Void>(name: "once")
        try result.set()
        XCTAssertThrowsError(try result.set()) { error in
            XCTAssertEqual((error as? GreenSyncError)?.code, .alreadyCompleted)
            XCTAssertTrue("\(error)".contains("GreenAsyncResult 'once'"), "\(error)")
        }
        XCTAssertThrowsError(try result.fail(PrimitiveTestFailure(code: 1)))
        XCTAssertTrue(result.isSuccessful)
    }

    func testTimeouts() throws {
        let result = GreenAsyncResult<Int>()
        XCTAssertFalse(try result.wait(timeout: 0.01))
        XCTAssertThrowsError(try result.get(timeout: 0.01)) { XCTAssertTrue($0 is GreenTimeoutError, "\($0)") }
        XCTAssertThrowsError(try result.getNowait()) { XCTAssertTrue($0 is GreenTimeoutError, "\($0)") }
        XCTAssertThrowsError(try Green.withTimeout(0.01) { try result.wait(timeout: 5) }) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        try result.set(1)
        XCTAssertEqual(try result.get(timeout: 0.01), 1)
    }

    func testAKilledGetterDoesNotDisturbTheOthers() throws {
        let result = GreenAsyncResult<Int>()
        let doomed = Green.spawn { try result.get() }
        let survivor = Green.spawn { try result.get() }
        try Green.sleep(0)
        try doomed.kill()
        try result.set(5)
        XCTAssertEqual(try survivor.get(), 5)
        XCTAssertThrowsError(try doomed.get()) { XCTAssertTrue($0 is GreenletExit) }
    }

    func testUseFromAnotherThreadIsAnError() throws {
        let result = GreenAsyncResult<Int>()
        assertWrongThread { try result.set(1) }
        assertWrongThread { _ = try result.get(timeout: 0) }
        XCTAssertFalse(result.isReady)
    }

    func testGettingAResultNoOneCanSetIsADeadlockThatNamesIt() throws {
        let result = GreenAsyncResult<Int>(name: "reply")
        assertDeadlock(mentioning: ["GreenAsyncResult 'reply' (pending, 1 waiting) — get"]) {
            _ = try result.get()
        }
    }
}
