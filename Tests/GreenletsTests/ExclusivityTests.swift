import Greenlets
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
