import Greenlets
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

    private func withModified(_ value: inout Int, _ body: () throws -> Void) rethrows {
        value += 1
        try body()
        value += 1
    }

    func testSwitchingInsideAnOpenAccessKeepsEachGreenletsAccessesApart() throws {
        let counters = Counters()
        let main = Greenlet.current
        let left = Greenlet { _ in
            try self.withModified(&counters.first) {
                counters.log.append("left inside first")
                try main.switch()
                counters.log.append("left back")
            }
            return nil
        }
        let right = Greenlet { _ in
            try self.withModified(&counters.second) {
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
}
