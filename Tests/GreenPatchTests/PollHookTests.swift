import CWeavePatch
import GreenHub
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// poll, ppoll and select made by greenlets wait on the hub and answer as the kernel would.
final class PollHookTests: XCTestCase {
    func testPollWaitsForAnotherGreenletsWriteAndTimesOutOtherwise() throws {
        let lines = try runPatched {
            let (reader, writer) = makePipe()
            defer {
                close(reader)
                close(writer)
            }
            let poller = Green.spawn { () -> String in
                var entry = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, 5000)
                return "poll \(ready) readable \(entry.revents & Int16(POLLIN) != 0)"
            }
            let writerThread = spawnLateWrite(of: 1, to: writer)
            var answers = [try poller.get()]
            try writerThread.get()
            let ticker = Ticker()
            let idle = Green.spawn { () -> String in
                var entry = pollfd(fd: reader, events: Int16(POLLOUT | POLLPRI), revents: 0)
                var result: Int32 = 0
                let waited = elapsedSeconds { result = poll(&entry, 1, 150) }
                return "timed out \(result) after the timeout: \(waited >= 0.14)"
            }
            answers.append(try idle.get())
            answers.append("others ran: \(try ticker.stop() >= 5)")
            return answers
        }
        XCTAssertEqual(lines, ["poll 1 readable true", "timed out 0 after the timeout: true", "others ran: true"])
    }

    func testSelectAndPpollAnswerWithTheReadyDescriptors() throws {
        let lines = try runPatched {
            let (reader, writer) = makePipe()
            let (quiet, other) = makePipe()
            defer {
                for fd in [reader, writer, quiet, other] { close(fd) }
            }
            let selector = Green.spawn { () -> String in
                var readable = fd_set()
                fdZero(&readable)
                fdSet(reader, &readable)
                fdSet(quiet, &readable)
                var limit = timeval(tv_sec: 5, tv_usec: 0)
                let ready = select(max(reader, quiet) + 1, &readable, nil, nil, &limit)
                return "select \(ready) \(fdIsSet(reader, &readable)) \(fdIsSet(quiet, &readable)) time left \(limit.tv_sec < 5)"
            }
            let ppoller = Green.spawn { () -> String in
                var entry = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
                var limit = timespec(tv_sec: 5, tv_nsec: 0)
                return "ppoll \(ppoll(&entry, 1, &limit, nil))"
            }
            let writerThread = spawnLateWrite(of: 1, to: writer)
            try writerThread.get()
            return [try selector.get(), try ppoller.get()]
        }
        XCTAssertEqual(lines, ["select 1 true false time left true", "ppoll 1"])
    }
}

/// FD_ZERO, FD_SET and FD_ISSET, which Swift cannot import (they are macros).
func fdZero(_ set: inout fd_set) {
    set = fd_set()
}

func fdSet(_ fd: Int32, _ set: inout fd_set) {
    withUnsafeMutableBytes(of: &set) { bytes in
        let words = bytes.bindMemory(to: Int.self)
        words[Int(fd) / Int.bitWidth] |= 1 << (Int(fd) % Int.bitWidth)
    }
}

func fdIsSet(_ fd: Int32, _ set: inout fd_set) -> Bool {
    withUnsafeMutableBytes(of: &set) { bytes in
        let words = bytes.bindMemory(to: Int.self)
        return words[Int(fd) / Int.bitWidth] & (1 << (Int(fd) % Int.bitWidth)) != 0
    }
}
