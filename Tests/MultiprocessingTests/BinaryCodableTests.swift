import XCTest
@testable import Multiprocessing

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case polygon([Point])
}

private struct Point: Codable, Equatable {
    var x: Int8
    var y: UInt64
}

private struct Drawing: Codable, Equatable {
    var title: String
    var shapes: [Shape]
    var layers: [String: [Int]]
    var hidden: Bool?
    var opacity: Float
    var raw: [UInt8]
    var nested: [[String?]]
}

private final class Base: Codable {
    var id = 7
}

final class BinaryCodableTests: XCTestCase {
    private let encoder = BinaryCodableEncoder()
    private let decoder = BinaryCodableDecoder()

    func testRoundTrips() throws {
        let drawing = Drawing(
            title: "Ünïcode ✓", shapes: [.circle(radius: 2.5), .polygon([Point(x: -3, y: .max)])],
            layers: ["a": [1, -2, .min, .max]], hidden: nil, opacity: 0.5, raw: [0, 255, 7], nested: [["x", nil], []])
        XCTAssertEqual(try decoder.decode(Drawing.self, from: encoder.encode(drawing)), drawing)
        XCTAssertEqual(try decoder.decode(Int.self, from: encoder.encode(-1)), -1)
        XCTAssertEqual(try decoder.decode([UInt8].self, from: encoder.encode([UInt8](repeating: 5, count: 1000))).count, 1000)
        XCTAssertEqual(try decoder.decode(String?.self, from: encoder.encode(String?.none)), nil)
        XCTAssertEqual(try decoder.decode(Base.self, from: encoder.encode(Base())).id, 7)
        XCTAssertLessThan(try encoder.encode(300).count, 4, "small integers are compact varints")
    }

    func testArraysOfIntAndDoubleArePlainCopies() throws {
        let integers = Array(-500...500) + [.min, .max]
        let doubles = [0.5, -0.0, .infinity, .greatestFiniteMagnitude, 1e-300]
        let integerBytes = try encoder.encode(integers)
        XCTAssertEqual(integerBytes.count, 1 + 2 + 8 * integers.count, "tag, count, 8 bytes each")
        XCTAssertEqual(try decoder.decode([Int].self, from: integerBytes), integers)
        XCTAssertEqual(try decoder.decode([Double].self, from: encoder.encode(doubles)), doubles)
        XCTAssertTrue(try decoder.decode([Double].self, from: encoder.encode([Double.nan]))[0].isNaN)
        XCTAssertEqual(try decoder.decode([Int64].self, from: integerBytes), integers.map(Int64.init), "other integer arrays still decode")
        XCTAssertEqual(try decoder.decode([Float].self, from: encoder.encode([0.5, 2.0])), [0.5, 2.0])
        XCTAssertThrowsError(try decoder.decode([Int8].self, from: integerBytes), "values that do not fit are errors")
        XCTAssertThrowsError(try decoder.decode([Int].self, from: Array(integerBytes.dropLast())), "truncated")
        XCTAssertThrowsError(try decoder.decode([Double].self, from: [12, 0xff, 0xff, 0x7f] + [UInt8](repeating: 0, count: 16)), "count beyond the data")
        XCTAssertThrowsError(try decoder.decode([String].self, from: integerBytes))
    }

    /// A slice encodes as the array of its elements would, whether its elements travel as
    /// plain copies or not.
    func testASliceEncodesAsItsArray() throws {
        let encoder = BinaryCodableEncoder()
        let numbers = Array(-5...300)
        XCTAssertEqual(try encoder.encode(contentsOf: numbers[3..<40]), try encoder.encode(Array(numbers[3..<40])))
        let doubles = numbers.map { Double($0) / 3 }
        XCTAssertEqual(try encoder.encode(contentsOf: doubles[1...]), try encoder.encode(Array(doubles[1...])))
        let bytes = numbers.map { UInt8(truncatingIfNeeded: $0) }
        XCTAssertEqual(try encoder.encode(contentsOf: bytes[0..<0]), try encoder.encode([UInt8]()))
        XCTAssertEqual(try encoder.encode(contentsOf: bytes[7..<9]), try encoder.encode(Array(bytes[7..<9])))
        let words = ["a", "bc", "def"]
        XCTAssertEqual(try encoder.encode(contentsOf: words[1...]), try encoder.encode(["bc", "def"]))
        let decoded = try BinaryCodableDecoder().decode([Int].self, from: try encoder.encode(contentsOf: numbers[10..<20]))
        XCTAssertEqual(decoded, Array(numbers[10..<20]))
    }

    func testTypeAndRangeMismatchesAreErrors() throws {
        XCTAssertThrowsError(try decoder.decode(Int8.self, from: encoder.encode(300)))
        XCTAssertThrowsError(try decoder.decode(UInt.self, from: encoder.encode(-1)))
        XCTAssertThrowsError(try decoder.decode(String.self, from: encoder.encode(1)))
        XCTAssertThrowsError(try decoder.decode(Point.self, from: encoder.encode(["x": 1])))
        XCTAssertThrowsError(try decoder.decode(Int.self, from: encoder.encode(1) + [0]), "trailing bytes")
        XCTAssertThrowsError(try decoder.decode([Int].self, from: [9, 0xff, 0xff, 0xff, 0xff, 0x0f]), "count beyond the data")
        XCTAssertThrowsError(try decoder.decode([[Int]].self, from: [UInt8](repeating: 9, count: 10_000) + [1]), "too deep")
    }

    /// Fuzzed frames fed to the decoder raise errors and never crash.
    func testFuzzedFramesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let sample = try encoder.encode(Drawing(
            title: "t", shapes: [.circle(radius: 1), .polygon([Point(x: 1, y: 2)])], layers: ["k": [1]],
            hidden: true, opacity: 1, raw: [1, 2], nested: [["a"]]))
        var decoded = 0
        for round in 0..<50_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = sample
                for _ in 0..<(1 + round % 4) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if round % 6 == 0 { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            } else {
                bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            if (try? decoder.decode(Drawing.self, from: bytes)) != nil { decoded += 1 }
            _ = try? decoder.decode([String: [Int]].self, from: bytes)
            _ = try? decoder.decode(Shape.self, from: bytes)
        }
        XCTAssertLessThan(decoded, 50_000)
    }
}
