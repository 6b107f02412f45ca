import CWeavePatch
import GreenHub
import GreenPatch
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What must not change once patched: calls from plain threads, on descriptors their owner
/// made non-blocking, and with MSG_DONTWAIT.
final class PassthroughTests: XCTestCase {
    func testAPlainThreadBlocksAndFailsExactlyAsUnpatched() throws {
        let lines = try runPatched {
            let answers = UncheckedBox<[String]>([])
            runOnNewThread {
                answers.value.append("decision \(weave_patch_applies())")
                let (reader, writer) = makePipe()
                defer {
                    close(reader)
                    close(writer)
                }
                // A plain thread's sleep blocks it.
                let slept = elapsedSeconds { usleep(100_000) }
                answers.value.append("slept the thread: \(slept >= 0.099)")
                var byte: UInt8 = 7
                answers.value.append("write \(write(writer, &byte, 1))")
                byte = 0
                answers.value.append("read \(read(reader, &byte, 1)) \(byte)")
                makeNonBlocking(reader)
                let result = read(reader, &byte, 1)
                let error = errno
                answers.value.append("empty \(outcome(result, error))")
                let bad = read(-1, &byte, 1)
                let badError = errno
                answers.value.append("bad \(outcome(bad, badError))")
            }
            return answers.value
        }
        XCTAssertEqual(lines, ["decision 0", "slept the thread: true", "write 1", "read 1 7", "empty -1 EAGAIN", "bad -1 EBADF"])
    }

    func testAGreenletsNonBlockingCallsReturnAtOnce() throws {
        let lines = try runPatched {
            let greenlet = Green.spawn { () -> [String] in
                var answers = ["decision \(weave_patch_applies())"]
                let (reader, writer) = makePipe()
                let (left, right) = makeSocketPair()
                defer {
                    for fd in [reader, writer, left, right] { close(fd) }
                }
                makeNonBlocking(reader)
                makeNonBlocking(left)
                var byte: UInt8 = 0
                let piped = read(reader, &byte, 1)
                let pipedError = errno
                answers.append("pipe \(outcome(piped, pipedError))")
                let received = recv(left, &byte, 1, 0)
                let receivedError = errno
                answers.append("socket \(outcome(received, receivedError))")
                // MSG_DONTWAIT on a blocking socket: the caller asked not to wait.
                let asked = recv(right, &byte, 1, Int32(MSG_DONTWAIT))
                let askedError = errno
                answers.append("dontwait \(outcome(asked, askedError))")
                answers.append("still non-blocking \(fcntl(left, F_GETFL) & O_NONBLOCK != 0)")
                answers.append("still blocking \(fcntl(right, F_GETFL) & O_NONBLOCK == 0)")
                return answers
            }
            return try greenlet.get()
        }
        XCTAssertEqual(lines, [
            "decision 1", "pipe -1 EAGAIN", "socket -1 EAGAIN", "dontwait -1 EAGAIN",
            "still non-blocking true", "still blocking true",
        ])
    }

    func testTheHubsOwnCallbacksPassThrough() throws {
        let lines = try runPatched {
            let inHub = UncheckedBox<Int32>(-1)
            Hub.current.eventLoop.execute { inHub.value = weave_patch_applies() }
            try Green.sleep(0.05)
            return ["main greenlet \(weave_patch_applies())", "hub \(inHub.value)"]
        }
        XCTAssertEqual(lines, ["main greenlet 1", "hub 0"])
    }

    func testUnpatchedNothingWaitsCooperatively() {
        XCTAssertFalse(GreenPatch.isPatched)
        XCTAssertEqual(weave_patch_applies(), 0)
    }
}
