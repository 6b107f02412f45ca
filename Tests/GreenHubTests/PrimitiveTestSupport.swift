import GreenHub
import WeaveTestSupport
import XCTest

/// An error a test body throws on purpose.
struct PrimitiveTestFailure: Error, Equatable {
    var code: Int
}

/// Runs `body` on a new OS thread (which gets a hub of its own) and checks that it throws
/// `HubError.wrongThread`.
func assertWrongThread(
    _ body: @escaping () throws -> Void,
    file: StaticString = #filePath,
    line: UInt = #line
) {
    let work = UncheckedBox(body)
    let outcome = UncheckedBox<(any Error)?>(nil)
    runOnNewThread {
        do {
            try work.value()
        } catch {
            outcome.value = error
        }
    }
    XCTAssertEqual((outcome.value as? HubError)?.code, .wrongThread, "got \(String(describing: outcome.value))", file: file, line: line)
}

/// Checks that `body` throws a deadlock report that mentions every text of `texts`.
func assertDeadlock(
    mentioning texts: [String],
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () throws -> Void
) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let hubError = error as? HubError else {
            return XCTFail("expected a HubError, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(hubError.code, .deadlock, file: file, line: line)
        for text in texts {
            XCTAssertTrue(hubError.message.contains(text), "'\(text)' not in: \(hubError.message)", file: file, line: line)
        }
    }
}
