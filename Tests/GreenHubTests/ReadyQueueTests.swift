@testable import GreenHub
import Greenlets
import XCTest

/// The hub's ready queue does not retain what it holds: a greenlet that goes away while
/// queued must take itself out.
final class ReadyQueueTests: XCTestCase {
    private struct Boom: Error {}

    func testAGreenletKilledWhileQueuedIsNeverResumedByTheHub() throws {
        let hub = Hub.current
        let event = GreenEvent(name: "never for the worker")
        var cleanedUp = false
        var resumedByTheHub = false
        var worker: Greenlet? = Greenlet(name: "worker") { _ in
            defer { cleanedUp = true }
            try event.wait()
            resumedByTheHub = true
            return nil
        }
        // Main runs again once the worker parks in its wait.
        hub.schedule(hub.mainRecord)
        try worker!.switch()
        XCTAssertTrue(worker!.isActive)

        try event.set()  // the worker is queued
        XCTAssertThrowsError(try worker!.throw(Boom())) { XCTAssertTrue($0 is Boom) }
        XCTAssertTrue(cleanedUp)
        worker = nil  // its state goes away with it, while still queued

        try Green.sleep(0)
        try Green.sleep(0.001)
        XCTAssertFalse(resumedByTheHub)
    }

    func testAGreenThreadKilledBeforeItStartsLeavesTheQueueAndGoesAway() throws {
        weak var weakThread: AnyGreenThread?
        var ran = false
        do {
            let thread = Green.spawn { ran = true }
            weakThread = thread
            XCTAssertTrue(try thread.kill())
        }
        try Green.sleep(0)
        XCTAssertFalse(ran)
        XCTAssertNil(weakThread, "a green thread killed before it started is released")
    }

    func testAGreenThreadNobodyHoldsRunsToItsEnd() throws {
        var finished = false
        weak var weakThread: AnyGreenThread?
        do {
            let thread = Green.spawn {
                try Green.sleep(0.001)
                finished = true
            }
            weakThread = thread
        }
        XCTAssertNotNil(weakThread, "its greenlet keeps it until it ends")
        try Green.sleep(0.02)
        XCTAssertTrue(finished)
        XCTAssertNil(weakThread)
    }
}
