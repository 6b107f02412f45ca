import Greenlets
import XCTest

final class StressTests: XCTestCase {
    private struct Handoff {
        var sequence: Int
        var sender: Int
        var recipient: Int
    }

    /// A random switch graph over 1,000 greenlets (half of them compact) with 1M switches;
    /// every value handed over is checked on arrival.
    func testRandomSwitchGraphHandsOverEveryValueIntact() throws {
        let count = 1000
        let totalSwitches = 1_000_000
        var generator = SplitMix(seed: 0x5EED)
        var greenlets: [Greenlet] = []
        var received = [Int](repeating: 0, count: count)
        var mismatches = 0
        var lastSequence = 0
        let main = Greenlet.current

        for index in 0..<count {
            let mode: Greenlet.StackMode = index.isMultiple(of: 2) ? .dedicated : .compact
            greenlets.append(
                Greenlet(stackMode: mode) { first in
                    var message = first as! Handoff
                    while true {
                        if message.recipient != index || message.sequence != lastSequence + 1 {
                            mismatches += 1
                        }
                        lastSequence = message.sequence
                        received[index] += 1
                        if message.sequence == totalSwitches {
                            return message.sequence
                        }
                        let next = Int(generator.next() % UInt64(count))
                        let outgoing = Handoff(sequence: message.sequence + 1, sender: index, recipient: next)
                        if next == index {
                            message = outgoing
                        } else {
                            message = try greenlets[next].switch(outgoing) as! Handoff
                        }
                    }
                })
        }
        // Finished greenlets return to main: the parent of every greenlet here.
        let result = try greenlets[0].switch(Handoff(sequence: 1, sender: -1, recipient: 0))
        XCTAssertEqual(result as? Int, totalSwitches)
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(received.reduce(0, +), totalSwitches)
        XCTAssertTrue(Greenlet.current === main)
        greenlets.removeAll()
    }
}

/// A small deterministic generator, so that a failure can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
