import Greenlets
#if canImport(Glibc)
import Glibc
#endif
import WeaveTestSupport
import XCTest

/// Swift's exclusivity checking keeps its set of in-progress accesses per thread. These
/// tests switch greenlets while accesses are open; without swapping the access set at each
/// switch they abort with "Simultaneous accesses" or crash in swift_endAccess.
final class ExclusivityTests: XCTestCase {
    private final class Counters {
        var first = 0
        var second = 0
        var log: [String] = []
    }

    private static func withModified(_ value: inout Int, _ body: () throws -> Void) rethrows {
        value += 1
        try body()
        value += 1
    }

    func testSwitchingInsideAnOpenAccessKeepsEachGreenletsAccessesApart() throws {
        let counters = Counters()
        let main = Greenlet.current
        let left = Greenlet { _ in
            try Self.withModified(&counters.first) {
                counters.log.append("left inside first")
                try main.switch()
                counters.log.append("left back")
            }
            return nil
        }
        let right = Greenlet { _ in
            try Self.withModified(&counters.second) {
                counters.log.append("right inside second")
                try left.switch()
                counters.log.append("right back")
            }
            return nil
        }
        try left.switch()
        try right.switch()
        try right.switch()
        XCTAssertEqual(counters.first, 2)
        XCTAssertEqual(counters.second, 2)
        XCTAssertEqual(counters.log, ["left inside first", "right inside second", "left back", "right back"])
    }

    /// A greenlet's open access belongs to it alone: while it is suspended, the others may
    /// read what it holds (as tasks may), and switching back puts it in force again, so a
    /// conflicting access of its own is still caught. Each half runs in a child process,
    /// since a conflict ends the process.
    func testAnOpenAccessIsInForceInItsOwnGreenletOnly() {
        let readWhileSuspended = runInForkedChild {
            let counters = Counters()
            let main = Greenlet.current
            let holder = Greenlet { _ in
                try Self.withModified(&counters.first) { try main.switch() }
                return nil
            }
            do {
                try holder.switch()
                let seen = counters.first
                try holder.switch()
                let line = "read \(seen), then \(counters.first)\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
            } catch {
                _exit(3)
            }
        }
        XCTAssertEqual(readWhileSuspended.exitStatus, 0, readWhileSuspended.standardError)
        XCTAssertEqual(readWhileSuspended.standardError, "read 1, then 2\n")

        let conflictAfterResuming = runInForkedChild {
            let counters = Counters()
            let main = Greenlet.current
            let holder = Greenlet { _ in
                try Self.withModified(&counters.first) {
                    try main.switch()
                    Self.withModified(&counters.first) {}
                }
                return nil
            }
            _ = try? holder.switch()
            _ = try? holder.switch()
        }
        XCTAssertNotNil(conflictAfterResuming.signal, "the conflicting access was not caught")
        XCTAssertTrue(
            conflictAfterResuming.standardError.contains("Simultaneous accesses"),
            conflictAfterResuming.standardError)
    }

    /// A thread whose first greenlet is made inside an open access has a non-empty base
    /// set: every switch must then put each greenlet's accesses back over it.
    func testGreenletsMadeInsideAnOpenAccessOnAFreshThread() {
        let log = UncheckedBox<[String]>([])
        runOnNewThread {
            let counters = Counters()
            Self.withModified(&counters.first) {
                let main = Greenlet.current
                let worker = Greenlet { _ in
                    try Self.withModified(&counters.second) {
                        log.value.append("worker inside second")
                        try main.switch()
                        log.value.append("worker back")
                    }
                    return nil
                }
                do {
                    try worker.switch()
                    log.value.append("main between")
                    try worker.switch()
                } catch {
                    log.value.append("error \(error)")
                }
            }
            log.value.append("first \(counters.first), second \(counters.second)")
        }
        XCTAssertEqual(log.value, ["worker inside second", "main between", "worker back", "first 2, second 2"])
    }
}
