import GreenHub
import Greenlets
import XCTest

final class DeadlockTests: XCTestCase {
    func testJoiningGreenThreadsThatWaitOnEachOtherReportsEveryWaiter() throws {
        var first: AnyGreenThread!
        var second: AnyGreenThread!
        first = Green.spawn(name: "alpha") { try second.join() }
        second = Green.spawn(name: "beta") { try first.join() }
        XCTAssertThrowsError(try Green.joinAll([first, second])) { error in
            guard let hubError = error as? HubError else {
                return XCTFail("expected a HubError, got \(error)")
            }
            XCTAssertEqual(hubError.code, .deadlock)
            XCTAssertTrue(hubError.message.contains("greenlet 'main' waits on 2 green thread(s) to finish"), hubError.message)
            XCTAssertTrue(hubError.message.contains("greenlet 'alpha' waits on green thread 'beta' to finish (join)"), hubError.message)
            XCTAssertTrue(hubError.message.contains("greenlet 'beta' waits on green thread 'alpha' to finish (join)"), hubError.message)
        }
        try first.kill()
        try second.kill()
    }

    func testAWaitWithATimerPendingIsNotADeadlock() throws {
        let sleeper = Green.spawn { try Green.sleep(0.02) }
        XCTAssertTrue(try sleeper.join())
    }
}
