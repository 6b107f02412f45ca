import GreenHub
import Greenlets
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A kill or a scoped timeout that lands while a greenlet waits in a hooked call: the call
/// fails with EINTR, and the error is kept for the greenlet, never lost.
final class InterruptionTests: XCTestCase {
    func testAScopedTimeoutMakesTheCallFailWithEINTRAndIsRethrown() throws {
        let lines = try runPatched {
            let (reader, writer) = makePipe()
            defer {
                close(reader)
                close(writer)
            }
            let greenlet = Green.spawn { () -> [String] in
                var answers: [String] = []
                do {
                    try Green.withTimeout(0.1) {
                        try GreenPatch.rethrowingInterruption {
                            var byte: UInt8 = 0
                            let result = read(reader, &byte, 1)
                            let error = errno
                            answers.append("read \(outcome(result, error))")
                        }
                    }
                } catch is GreenTimeoutError {
                    answers.append("timeout rethrown")
                }
                answers.append("nothing left: \(GreenPatch.takeInterruption() == nil)")
                return answers
            }
            return try greenlet.get()
        }
        XCTAssertEqual(lines, ["read -1 EINTR", "timeout rethrown", "nothing left: true"])
    }

    func testAKilledSleeperGetsEINTRAndTheRemainingTime() throws {
        let lines = try runPatched {
            var answers: [String] = []
            let sleeper = Green.spawn {
                var request = timespec(tv_sec: 30, tv_nsec: 0)
                var remaining = timespec()
                let result = nanosleep(&request, &remaining)
                let error = errno
                answers.append("nanosleep \(outcome(Int(result), error)) remaining \(remaining.tv_sec > 20)")
                answers.append("kept: \(GreenPatch.takeInterruption() is GreenletExit)")
            }
            try Green.sleep(0.05)
            _ = try sleeper.kill()
            _ = try? sleeper.get()
            return answers
        }
        XCTAssertEqual(lines, ["nanosleep -1 EINTR remaining true", "kept: true"])
    }
}
