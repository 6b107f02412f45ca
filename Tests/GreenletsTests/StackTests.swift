import Greenlets
import WeaveTestSupport
import XCTest

final class StackTests: XCTestCase {
    func testCompactGreenletsKeepTheirStacksAcrossSwitches() throws {
        let main = Greenlet.current
        let rounds = 20
        let greenlets = (0..<50).map { index in
            Greenlet(stackMode: .compact) { _ in
                // Locals live on the shared stack and must survive being parked.
                var accumulator = index
                var received: [Int] = []
                for _ in 0..<rounds {
                    let value = try main.switch(accumulator) as! Int
                    received.append(value)
                    accumulator = accumulator &* 31 &+ value
                }
                return received.count == rounds ? accumulator : -1
            }
        }
        var expected = Array(0..<50)
        for index in 0..<50 {
            XCTAssertEqual(try greenlets[index].switch() as? Int, expected[index])
        }
        for round in 0..<rounds {
            for index in (0..<50).reversed() {
                let sent = index * 1000 + round
                expected[index] = expected[index] &* 31 &+ sent
                XCTAssertEqual(try greenlets[index].switch(sent) as? Int, expected[index])
            }
        }
        XCTAssertTrue(greenlets.allSatisfy(\.isDead))
    }

    func testCompactAndDedicatedGreenletsInterleave() throws {
        let main = Greenlet.current
        var trail: [String] = []
        let compact = Greenlet(stackMode: .compact) { _ in
            let word = "compact"
            trail.append(word)
            try main.switch()
            trail.append(word + " again")
            return nil
        }
        let dedicated = Greenlet(stackMode: .dedicated) { _ in
            trail.append("dedicated")
            try compact.switch()
            return nil
        }
        try compact.switch()
        try dedicated.switch()
        XCTAssertEqual(trail, ["compact", "dedicated", "compact again"])
    }

    func testReleasingAParkedCompactGreenletRunsItsDefers() throws {
        var cleaned = 0
        let main = Greenlet.current
        var greenlets: [Greenlet] = (0..<10).map { _ in
            Greenlet(stackMode: .compact) { _ in
                defer { cleaned += 1 }
                try main.switch()
                return nil
            }
        }
        for greenlet in greenlets { try greenlet.switch() }
        greenlets.removeAll()
        XCTAssertEqual(cleaned, 10)
    }

    func testStackSizesCanBeChosenPerGreenletAndGlobally() throws {
        let original = Greenlet.defaultStackSize
        defer { Greenlet.defaultStackSize = original }
        Greenlet.defaultStackSize = 1 << 20
        XCTAssertEqual(Greenlet.defaultStackSize, 1 << 20)
        // Half a megabyte of locals needs more than the old default.
        let deep = Greenlet { _ in Self.recurse(depth: 1000) }
        XCTAssertEqual(try deep.switch() as? Int, 1000)
        let small = Greenlet(stackSize: 64 * 1024) { _ in Self.recurse(depth: 10) }
        XCTAssertEqual(try small.switch() as? Int, 10)
    }

    func testAStackOverflowIsReportedWithTheGreenletsNameAndStackSize() {
        let outcome = runInForkedChild {
            let greenlet = Greenlet(name: "deep-diver", stackSize: 64 * 1024) { _ in
                Self.recurse(depth: 1_000_000)
            }
            _ = try? greenlet.switch()
        }
        XCTAssertEqual(outcome.signal, SIGSEGV)
        XCTAssertTrue(
            outcome.standardError.contains("stack overflow in greenlet 'deep-diver' (stack of 65536 bytes)"),
            outcome.standardError)
    }

    func testAnOverflowOfACompactGreenletIsReportedToo() {
        let outcome = runInForkedChild {
            let greenlet = Greenlet(name: "compact-diver", stackMode: .compact) { _ in
                Self.recurse(depth: 10_000_000)
            }
            _ = try? greenlet.switch()
        }
        XCTAssertEqual(outcome.signal, SIGSEGV)
        XCTAssertTrue(outcome.standardError.contains("stack overflow in greenlet 'compact-diver'"), outcome.standardError)
    }

    /// Recursion with a 256-byte frame that the optimiser cannot remove.
    @inline(never)
    static func recurse(depth: Int) -> Int {
        var frame = [UInt8](repeating: 0, count: 1)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
            buffer.initialize(repeating: UInt8(truncatingIfNeeded: depth))
            frame[0] = buffer[255]
            return depth == 0 ? Int(frame[0]) * 0 : 1 + recurse(depth: depth - 1)
        }
    }

    /// A burst of greenlets maps many slabs of stacks; once they finish, every slab but the
    /// pool's and the newest is unmapped (so a later `fork()` copies no page tables for
    /// them), and the stacks left are reused.
    func testSlabsWhoseStacksAllFinishedAreUnmapped() {
        final class Observed: @unchecked Sendable {
            var peak = 0, afterFinishing = 0, afterSecondBurst = 0
            var sums: [Int] = []
            var failure: (any Error)?
        }
        let observed = Observed()
        let count = 1_000
        runOnNewThread {
            do {
                let main = Greenlet.current
                for _ in 0..<2 {
                    var greenlets = (0..<count).map { index in
                        Greenlet { _ in
                            try main.switch()
                            return index
                        }
                    }
                    for greenlet in greenlets { try greenlet.switch() }
                    observed.peak = max(observed.peak, Greenlet.mappedStackSlabCount)
                    var sum = 0
                    for greenlet in greenlets { sum += try greenlet.switch() as! Int }
                    observed.sums.append(sum)
                    greenlets.removeAll()
                    if observed.sums.count == 1 {
                        observed.afterFinishing = Greenlet.mappedStackSlabCount
                    } else {
                        observed.afterSecondBurst = Greenlet.mappedStackSlabCount
                    }
                }
            } catch {
                observed.failure = error
            }
        }
        XCTAssertNil(observed.failure)
        XCTAssertGreaterThanOrEqual(observed.peak, count / 64)
        XCTAssertEqual(observed.sums, [count * (count - 1) / 2, count * (count - 1) / 2])
        XCTAssertLessThanOrEqual(observed.afterFinishing, 2)
        XCTAssertLessThanOrEqual(observed.afterSecondBurst, 2)
    }
}
