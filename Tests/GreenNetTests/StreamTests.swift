import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

final class StreamTests: XCTestCase {
    /// A listener and one connection to it, both on the test's hub.
    private func connectedPair() throws -> (listener: GreenStreamListener, client: GreenStream, server: GreenStream) {
        let listener = try GreenStreamListener.listen()
        let accepting = Green.spawn { try listener.accept(timeout: 5) }
        let client = try GreenStream.connect(host: "127.0.0.1", port: listener.port, timeout: 5)
        let server = try accepting.get()
        return (listener, client, server)
    }

    func testPartialReadsAndWritesArriveWhole() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let writer = Green.spawn {
            for start in stride(from: 0, to: payload.count, by: 70_001) {
                try client.send(Array(payload[start..<min(start + 70_001, payload.count)]))
            }
            try client.shutdownOutput()
        }
        var received: [UInt8] = []
        received += try server.receive(exactly: 10)
        while true {
            let chunk = try server.receive(upTo: 4096, timeout: 5)
            if chunk.isEmpty { break }
            XCTAssertLessThanOrEqual(chunk.count, 4096)
            received += chunk
        }
        try writer.join()
        XCTAssertEqual(received, payload)
    }

    func testReceiveBufferHandsTheBytesOverInBuffersThatCanBeSentOn() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let writer = Green.spawn {
            try client.send(payload)
            try client.shutdownOutput()
        }
        // The server passes each buffer straight back; the client reads the echo.
        let echoer = Green.spawn { () -> Int in
            var total = 0
            while true {
                let buffer = try server.receiveBuffer(upTo: 1000, timeout: 5)
                if buffer.readableBytes == 0 { break }
                XCTAssertLessThanOrEqual(buffer.readableBytes, 1000)
                total += buffer.readableBytes
                try server.send(buffer)
            }
            try server.shutdownOutput()
            return total
        }
        var echoed: [UInt8] = []
        while true {
            let chunk = try client.receive(upTo: 65536, timeout: 5)
            if chunk.isEmpty { break }
            echoed += chunk
        }
        try writer.join()
        XCTAssertEqual(try echoer.get(), payload.count)
        XCTAssertEqual(echoed, payload)
        XCTAssertEqual(try server.receiveBuffer(upTo: 0).readableBytes, 0)
        XCTAssertThrowsError(try server.receiveBuffer(upTo: -1)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
    }

    func testAReaderThatDoesNotReadPushesBackOnTheSender() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        // The server side never reads: its socket stops reading, the kernel buffers fill, and
        // the send cannot finish instead of piling the bytes up in memory.
        let flood = [UInt8](repeating: 1, count: 64 << 20)
        XCTAssertThrowsError(try client.send(flood, timeout: 0.3)) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        XCTAssertEqual(try server.receive(exactly: 1000, timeout: 5).count, 1000)
    }

    func testCloseRightAfterSendStillDeliversTheBytes() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); server.close() }
        let payload = [UInt8](repeating: 5, count: 4 << 20)
        let sender = Green.spawn {
            try client.send(payload, timeout: 5)
            client.close()
        }
        var received = 0
        while true {
            let chunk = try server.receive(upTo: 1 << 16, timeout: 5)
            if chunk.isEmpty { break }
            received += chunk.count
        }
        try sender.join()
        XCTAssertEqual(received, payload.count)
    }

    func testReadLineSplitsLinesAndEnforcesItsLimit() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        try client.send("first\r\nsec")
        let second = Green.spawn {
            try Green.sleep(0.01)
            try client.send("ond\n" + String(repeating: "x", count: 100) + "\nlast")
            try client.shutdownOutput()
        }
        XCTAssertEqual(try server.readLine(timeout: 5), "first")
        XCTAssertEqual(try server.readLine(timeout: 5), "second")
        XCTAssertThrowsError(try server.readLine(maxLength: 50, timeout: 5)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .lineTooLong)
        }
        XCTAssertEqual(try server.readLine(maxLength: 200, timeout: 5), String(repeating: "x", count: 100))
        XCTAssertEqual(try server.readLine(timeout: 5), "last")
        XCTAssertNil(try server.readLine(timeout: 5))
        try second.join()
    }

    func testReceiveTimesOutAndTheConnectionStaysUsable() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        XCTAssertThrowsError(try server.receive(upTo: 10, timeout: 0.05)) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        server.timeout = 0.05
        XCTAssertThrowsError(try server.receive(exactly: 1)) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        try client.send([1, 2, 3])
        XCTAssertEqual(try server.receive(exactly: 3, timeout: 5), [1, 2, 3])
    }

    func testEndOfStreamBeforeExactCountIsReported() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); server.close() }
        try client.send([9, 9])
        client.close()
        XCTAssertThrowsError(try server.receive(exactly: 5, timeout: 5)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .unexpectedEOF)
        }
        XCTAssertEqual(try server.receive(upTo: 10, timeout: 5), [9, 9])
        XCTAssertEqual(try server.receive(upTo: 10, timeout: 5), [])
    }

    func testPeerResetIsAnErrorNotACrash() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); server.close() }
        // Closing with unread bytes makes the kernel reset the connection.
        try server.send([1, 2, 3])
        try Green.sleep(0.05)
        client.close()
        XCTAssertThrowsError(try server.receive(upTo: 10, timeout: 5)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .connectionClosed, "\($0)")
        }
        XCTAssertThrowsError(try server.send([4]))
    }

    func testClosedConnectionRefusesCallsAndBadInputIsAnError() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); server.close() }
        client.close()
        client.close()
        XCTAssertThrowsError(try client.send("late")) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .connectionClosed)
        }
        XCTAssertThrowsError(try server.receive(upTo: -1)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try GreenStream.connect(host: "", port: 80)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try GreenStream.connect(host: "127.0.0.1", port: 70_000)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try server.receive(upTo: 1, timeout: -1)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
    }

    func testConnectToAClosedPortFails() throws {
        let listener = try GreenStreamListener.listen()
        let port = listener.port
        listener.close()
        try Green.sleep(0.01)
        XCTAssertThrowsError(try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .connectFailed, "\($0)")
        }
    }

    func testAcceptAfterCloseReportsServerStopped() throws {
        let listener = try GreenStreamListener.listen()
        let waiting = Green.spawn { try listener.accept() }
        try Green.sleep(0.01)
        listener.close()
        XCTAssertThrowsError(try waiting.get()) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .serverStopped)
        }
    }

    func testManyGreenletsEchoConcurrently() throws {
        let server = try GreenStreamServer { connection in
            while let line = try connection.readLine() {
                try connection.send(line + "\n")
            }
        }
        server.start()
        let clients = (0..<50).map { n in
            Green.spawn { () -> Bool in
                let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
                defer { connection.close() }
                for round in 0..<5 {
                    try connection.send("client \(n) round \(round)\n")
                    guard try connection.readLine(timeout: 5) == "client \(n) round \(round)" else { return false }
                }
                return true
            }
        }
        for client in clients {
            XCTAssertTrue(try client.get())
        }
        try server.stop()
        XCTAssertEqual(server.activeConnections, 0)
    }

    func testSendsQueuedBehindASlowReaderKeepTheirOwnBytes() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        // Each send reuses the last one's buffer; while the reader lags, NIO still holds
        // the earlier buffers, and none of their bytes may change.
        let messages = (0..<200).map { n in [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 8_000 + n) }
        let sender = Green.spawn {
            for message in messages {
                try client.send(message, timeout: 5)
            }
        }
        try Green.sleep(0.05)
        for message in messages {
            XCTAssertEqual(try server.receive(exactly: message.count, timeout: 5), message)
        }
        try sender.join()
    }

    func testReadingResumesAfterTheReadAheadLimitStoppedIt() throws {
        let (listener, client, server) = try connectedPair()
        defer { listener.close(); client.close(); server.close() }
        // More than the read-ahead limit arrives while the reader is busy: the socket stops
        // reading, and must be asked again once the reader wants more.
        let payload = (0..<400_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let sender = Green.spawn { try client.send(payload, timeout: 5) }
        try Green.sleep(0.05)
        var received: [UInt8] = []
        while received.count < payload.count {
            received += try server.receive(upTo: 1_000, timeout: 5)
        }
        try sender.join()
        XCTAssertEqual(received, payload)
    }
}
