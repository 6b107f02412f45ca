#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

private struct Reading: Codable, Equatable, Sendable {
    var sensor: String
    var values: [Double]
    var tags: [String: Int]
}

final class ProcessConnectionTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testDuplexValuesAndBytesAcrossFork() throws {
        let (parentEnd, childEnd) = try ProcessPipe.make()
        let child = ChildProcess(startMethod: .fork) {
            parentEnd.close()
            let reading = try childEnd.receive(Reading.self)
            try childEnd.send(reading.values.reduce(0, +))
            try childEnd.sendBytes(try childEnd.receiveBytes().reversed())
        }
        try child.start()
        childEnd.close()
        XCTAssertFalse(try parentEnd.poll(timeout: 0))
        try parentEnd.send(Reading(sensor: "t1", values: [1.5, 2.5], tags: ["a": 1]))
        XCTAssertTrue(try parentEnd.poll(timeout: 30))
        XCTAssertEqual(try parentEnd.receive(Double.self), 4.0)
        try parentEnd.sendBytes([1, 2, 3])
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = try buffer.withUnsafeMutableBytes { try parentEnd.receiveBytes(into: $0) }
        XCTAssertEqual(Array(buffer[0..<count]), [3, 2, 1])
        try child.join()
        XCTAssertThrowsError(try parentEnd.receiveBytes()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .endOfStream) }
    }

    func testOneWayPipeRefusesTheWrongDirection() throws {
        let (reader, writer) = try ProcessPipe.make(duplex: false)
        XCTAssertThrowsError(try reader.send(1)) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument) }
        XCTAssertThrowsError(try writer.receiveBytes()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument) }
        try writer.send("one way")
        XCTAssertEqual(try reader.receive(String.self), "one way")
        writer.close()
        XCTAssertThrowsError(try reader.receive(String.self)) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .endOfStream) }
    }

    func testWriterDyingMidMessageGivesTruncatedMessage() throws {
        let (reader, writer) = try ProcessPipe.make()
        var header = UInt64(100).littleEndian
        _ = withUnsafeBytes(of: &header) { write(writer.descriptor, $0.baseAddress, 8) }
        _ = [UInt8](repeating: 9, count: 10).withUnsafeBytes { write(writer.descriptor, $0.baseAddress, 10) }
        writer.close()
        XCTAssertThrowsError(try reader.receiveBytes()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .truncatedMessage) }
    }

    func testOversizedAndMalformedFramesAreErrors() throws {
        let (reader, writer) = try ProcessPipe.make()
        reader.maximumMessageSize = 16
        try writer.sendBytes([UInt8](repeating: 0, count: 17))
        XCTAssertThrowsError(try reader.receiveBytes()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument) }
        let (reader2, writer2) = try ProcessPipe.make()
        try writer2.sendBytes([200, 1, 2])
        XCTAssertThrowsError(try reader2.receive(Int.self)) { XCTAssertTrue($0 is DecodingError) }
        let (tooSmall, writer3) = try ProcessPipe.make()
        try writer3.sendBytes([1, 2, 3, 4])
        try writer3.sendBytes([5])
        var buffer = [UInt8](repeating: 0, count: 2)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try tooSmall.receiveBytes(into: $0) })
        XCTAssertEqual(try tooSmall.receiveBytes(), [5], "an oversized message is consumed, not left half-read")
    }
}
