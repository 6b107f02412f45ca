import GreenHub
import GreenNet
import WeaveTestSupport
import XCTest

/// Streaming request and response bodies on GreenHTTPServer.
final class HTTPStreamingTests: XCTestCase {
    /// Reads one response from a raw connection: the status line, the header fields and the
    /// body, de-chunked when it came chunked.
    private func readResponse(_ connection: GreenStream) throws -> (status: String, headers: [String: String], body: [UInt8]) {
        let status = try XCTUnwrap(try connection.readLine(timeout: 5))
        var headers: [String: String] = [:]
        while let line = try connection.readLine(timeout: 5), !line.isEmpty {
            let (name, value) = try XCTUnwrap(line.firstIndex(of: ":").map { (line[..<$0], line[line.index(after: $0)...]) })
            headers[name.lowercased()] = value.trimmingCharacters(in: .whitespaces)
        }
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            return (status, headers, try connection.receive(exactly: length, timeout: 5))
        }
        var body: [UInt8] = []
        while let sizeLine = try connection.readLine(timeout: 5), let size = Int(sizeLine, radix: 16), size > 0 {
            body += try connection.receive(exactly: size, timeout: 5)
            XCTAssertEqual(try connection.readLine(timeout: 5), "")
        }
        XCTAssertEqual(try connection.readLine(timeout: 5), "")
        return (status, headers, body)
    }

    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 12) }
    }

    func testALargeUploadIsReadInPiecesAsItArrives() throws {
        let upload = pattern(10 << 20)
        var pieces: [Int] = []
        var received: [UInt8] = []
        received.reserveCapacity(upload.count)
        let server = try GreenHTTPServer { _, body in
            while let piece = try body.read() {
                pieces.append(piece.count)
                received += piece
            }
            return GreenHTTPStreamingResponse(GreenHTTPResponse(text: "\(body.bytesRead)"))
        }
        server.start()
        defer { try? server.stop() }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        let response = try client.post("http://127.0.0.1:\(server.port)/upload", body: upload, timeout: 30)
        XCTAssertEqual(response.text, "\(upload.count)")
        XCTAssertTrue(received == upload)
        // The server never held more than one socket read of the body.
        XCTAssertLessThanOrEqual(pieces.max() ?? 0, 64 * 1024)
        XCTAssertGreaterThanOrEqual(pieces.count, upload.count / (64 * 1024))
    }

    func testAHandlerThatDoesNotReadPushesBackOnTheClient() throws {
        let reading = GreenEvent()
        var received = 0
        let server = try GreenHTTPServer { _, body in
            _ = try reading.wait(timeout: 10)
            // The client gives up on its flood and leaves: reading ends there.
            while let piece = try? body.read() {
                received += piece.count
            }
            return GreenHTTPStreamingResponse(GreenHTTPResponse(text: "done"))
        }
        server.start()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        let flood = [UInt8](repeating: 7, count: 64 << 20)
        try connection.send("POST /flood HTTP/1.1\r\nHost: x\r\nContent-Length: \(flood.count)\r\n\r\n")
        // Nobody reads on the server: the kernel buffers fill and the send cannot finish.
        XCTAssertThrowsError(try connection.send(flood, timeout: 0.3)) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
        XCTAssertEqual(received, 0)
        try reading.set()
    }

    func testAChunkedDownloadArrivesWholeAndTheConnectionStaysAlive() throws {
        let download = pattern(300_000)
        let server = try GreenHTTPServer { request, _ in
            guard request.path == "/download" else {
                return GreenHTTPStreamingResponse(GreenHTTPResponse(text: "after \(request.path)"))
            }
            return GreenHTTPStreamingResponse(headers: [("Content-Type", "application/octet-stream")]) { writer in
                for start in stride(from: 0, to: download.count, by: 7000) {
                    try writer.write(Array(download[start..<min(start + 7000, download.count)]))
                }
            }
        }
        server.start()
        defer { try? server.stop() }

        let client = try GreenHTTPClient()
        defer { try? client.close() }
        let whole = try client.get("http://127.0.0.1:\(server.port)/download", timeout: 10)
        XCTAssertEqual(whole.header("Transfer-Encoding"), "chunked")
        XCTAssertTrue(whole.body == download)

        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        try connection.send("GET /download HTTP/1.1\r\nHost: x\r\n\r\n")
        let streamed = try readResponse(connection)
        XCTAssertEqual(streamed.status, "HTTP/1.1 200 OK")
        XCTAssertNil(streamed.headers["connection"])
        XCTAssertTrue(streamed.body == download)
        try connection.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try readResponse(connection).body, Array("after /next".utf8))
    }

    func testAnUnreadBodyIsDrainedForKeepAliveOrTheConnectionCloses() throws {
        var limits = GreenHTTPServer.Limits()
        limits.maxDrainBytes = 1000
        let server = try GreenHTTPServer(limits: limits) { request, _ in
            GreenHTTPStreamingResponse(GreenHTTPResponse(text: "ignored \(request.path)"))
        }
        server.start()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        let small = String(repeating: "s", count: 900)
        let large = String(repeating: "l", count: 5000)
        try connection.send(
            "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: \(small.utf8.count)\r\n\r\n\(small)"
                + "POST /large HTTP/1.1\r\nHost: x\r\nContent-Length: \(large.utf8.count)\r\n\r\n\(large)")
        let first = try readResponse(connection)
        XCTAssertEqual(first.body, Array("ignored /small".utf8))
        XCTAssertNil(first.headers["connection"])
        let second = try readResponse(connection)
        XCTAssertEqual(second.body, Array("ignored /large".utf8))
        XCTAssertEqual(second.headers["connection"], "close")
        XCTAssertEqual(try connection.receive(upTo: 100, timeout: 5), [])
    }

    /// `Expect: 100-continue` is answered when the handler first reads the body (see
    /// `HTTPServerTests.testExpectContinueGetsAnInterimResponse`): a handler that answers
    /// without reading spares the client the upload, and the connection, whose next bytes
    /// may or may not be that body, closes.
    func testAHandlerThatRefusesWithoutReadingSendsNoContinue() throws {
        let server = try GreenHTTPServer { _, _ in
            GreenHTTPStreamingResponse(GreenHTTPResponse(status: 401, text: "who are you?"))
        }
        server.start()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        try connection.send("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let refusal = try readResponse(connection)
        XCTAssertEqual(refusal.status, "HTTP/1.1 401 Unauthorized")
        XCTAssertEqual(refusal.headers["connection"], "close")
        XCTAssertEqual(try connection.receive(upTo: 100, timeout: 5), [])
    }

    func testABodyShorterThanItsLengthClosesTheConnectionAndIsLogged() throws {
        let log = LogCapture()
        let server = try GreenHTTPServer { _, _ in
            GreenHTTPStreamingResponse(contentLength: 10) { writer in
                try writer.write("short")
            }
        }
        server.logger = log.logger(label: "streaming-test")
        server.start()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        try connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try connection.readLine(timeout: 5), "HTTP/1.1 200 OK")
        var rest: [UInt8] = []
        while case let chunk = try connection.receive(upTo: 65536, timeout: 5), !chunk.isEmpty {
            rest += chunk
        }
        let text = String(decoding: rest, as: UTF8.self)
        XCTAssertTrue(text.contains("Content-Length: 10") && text.hasSuffix("\r\n\r\nshort"), text)
        XCTAssertTrue(
            log.entries.contains { $0.level == .error && $0.metadata["contentLength"] == "10" && $0.message.contains("fell short") },
            "\(log.entries)")
    }
}
