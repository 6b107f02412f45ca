import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

final class HTTPServerTests: XCTestCase {
    private func startServer(
        limits: GreenHTTPServer.Limits = GreenHTTPServer.Limits(),
        log: LogCapture = LogCapture()
    ) throws -> GreenHTTPServer {
        let server = try GreenHTTPServer(limits: limits) { request in
            switch request.path {
            case "/sleep":
                try Green.sleep(0.05)
                return GreenHTTPResponse(text: "slept")
            case "/fail":
                struct Broken: Error {}
                throw Broken()
            case "/echo":
                return GreenHTTPResponse(body: request.body)
            default:
                return GreenHTTPResponse(text: "path \(request.path) query \(request.query)")
            }
        }
        server.logger = log.logger(label: "http-test")
        server.start()
        return server
    }

    /// Sends raw bytes and returns everything the server answers until it closes.
    private func exchange(_ raw: String, port: Int, shutdown: Bool = false) throws -> String {
        let connection = try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5)
        defer { connection.close() }
        try connection.send(raw)
        if shutdown { try connection.shutdownOutput() }
        return try readToEnd(connection)
    }

    /// Everything the server answers on `connection` until it closes.
    private func readToEnd(_ connection: GreenStream) throws -> String {
        var answer: [UInt8] = []
        while true {
            let chunk = try connection.receive(upTo: 65536, timeout: 5)
            if chunk.isEmpty { break }
            answer += chunk
        }
        return String(decoding: answer, as: UTF8.self)
    }

    func testClientAndServerRoundTripWithKeepAlive() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        let first = try client.get("http://127.0.0.1:\(server.port)/hello?x=1")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.text, "path /hello query x=1")
        let echoed = try client.post("http://127.0.0.1:\(server.port)/echo", body: Array("ping".utf8))
        XCTAssertEqual(echoed.text, "ping")
        XCTAssertEqual(try client.get("http://127.0.0.1:\(server.port)/sleep").text, "slept")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let raw = "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let answer = try exchange(raw, port: server.port)
        let slept = try XCTUnwrap(answer.range(of: "slept"))
        let second = try XCTUnwrap(answer.range(of: "path /second"))
        XCTAssertLessThan(slept.lowerBound, second.lowerBound)
    }

    func testARequestSplitAcrossReadsIsAnswered() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        // The first read brings half a head: the server must read again for the rest.
        try connection.send("GET /split HTTP/1.1\r\nHo")
        try Green.sleep(0.05)
        try connection.send("st: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(try readToEnd(connection).contains("path /split"))
    }

    func testAThrowingHandlerGets500AndALoggedError() throws {
        let log = LogCapture()
        let server = try startServer(log: log)
        defer { try? server.stop() }
        let answer = try exchange("GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 500"), answer)
        let errors = log.entries.filter { $0.level >= .error }
        XCTAssertEqual(errors.count, 1, "one handler error, logged once: \(errors)")
        XCTAssertEqual(errors.first?.level, .error)
        XCTAssertEqual(errors.first?.metadata["request"], "GET /fail")
        XCTAssertTrue(errors.first?.metadata["error"]?.contains("Broken") ?? false, "\(errors)")
        XCTAssertTrue(errors.first?.metadata["peer"]?.contains("127.0.0.1") ?? false, "\(errors)")
        XCTAssertTrue(log.entries.contains { $0.level == .trace && $0.message == "accepted a connection" })
    }

    func testServerCountsConnectionsAndRequestsThroughSwiftMetrics() throws {
        let metrics = SharedTestMetrics.factory
        let server = try startServer()
        defer { try? server.stop() }
        let dimensions = [("server", "http"), ("port", "\(server.port)")]
        _ = try exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port)
        _ = try exchange("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port)
        for _ in 0..<100 where server.activeConnections > 0 {
            try Green.sleep(0.01)
        }
        XCTAssertEqual(try metrics.expectCounter("weave_server_connections_total", dimensions).totalValue, 2)
        XCTAssertEqual(try metrics.expectCounter("weave_http_requests_total", dimensions).totalValue, 3)
        XCTAssertEqual(try metrics.expectMeter("weave_server_connections_open", dimensions).lastValue, 0)
    }

    func testMalformedTruncatedAndOversizedRequestsNeverCrashTheServer() throws {
        var limits = GreenHTTPServer.Limits()
        limits.maxHeaderBytes = 1024
        limits.maxBodyBytes = 100
        limits.readTimeout = 0.2
        let server = try startServer(limits: limits)
        defer { try? server.stop() }
        let corpus: [(String, String)] = [
            ("garbage", "\u{1}\u{2}\u{3} nonsense\r\n\r\n"),
            ("bad method", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("bad version", "GET / HTTP/9.Q\r\nHost: x\r\n\r\n"),
            ("header without colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n"),
            ("bad content length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
            ("two content lengths", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            ("bad chunk", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            ("space in header name", "GET / HTTP/1.1\r\nHo st: x\r\n\r\n"),
            ("bare newline in uri", "GET /a\nb HTTP/1.1\r\n\r\n"),
            ("nul", "GET / HTTP/1.1\r\nHost: \u{0}\r\n\r\n"),
        ]
        for (name, raw) in corpus {
            let answer = try exchange(raw, port: server.port, shutdown: true)
            XCTAssertTrue(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "\(name): \(answer)")
        }
        let oversizedHead = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 4000))\r\n\r\n"
        XCTAssertTrue(try exchange(oversizedHead, port: server.port).hasPrefix("HTTP/1.1 431"))
        let oversizedBody = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" + String(repeating: "b", count: 500)
        XCTAssertTrue(try exchange(oversizedBody, port: server.port).hasPrefix("HTTP/1.1 413"))
        let truncatedBody = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nshort"
        XCTAssertTrue(try exchange(truncatedBody, port: server.port).hasPrefix("HTTP/1.1 408"))
        for cut in [3, 10, 20] {
            let truncated = String("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".prefix(cut))
            let answer = try exchange(truncated, port: server.port, shutdown: true)
            XCTAssertTrue(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "cut at \(cut): \(answer)")
        }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        XCTAssertEqual(try client.get("http://127.0.0.1:\(server.port)/still-alive").status, 200)
    }

    func testGracefulStopLetsARunningRequestFinish() throws {
        var started = false
        let server = try GreenHTTPServer { _ in
            started = true
            try Green.sleep(0.05)
            return GreenHTTPResponse(text: "slept")
        }
        server.start()
        let port = server.port
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        let slow = Green.spawn { try client.get("http://127.0.0.1:\(port)/").text }
        while !started {
            try Green.sleep(0.005)
        }
        let idle = try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5)
        defer { idle.close() }
        try idle.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try idle.readLine(timeout: 5), "HTTP/1.1 200 OK")
        try server.stop(timeout: 2)
        XCTAssertEqual(try slow.get(), "slept")
        // The idle keep-alive connection was closed when the server stopped.
        while try idle.receive(upTo: 65536, timeout: 5).count > 0 {}
        XCTAssertThrowsError(try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5))
    }

    func testExpectContinueGetsAnInterimResponse() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(try connection.readLine(timeout: 5), "HTTP/1.1 100 Continue")
        XCTAssertEqual(try connection.readLine(timeout: 5), "")
        try connection.send("data")
        XCTAssertEqual(try connection.readLine(timeout: 5), "HTTP/1.1 200 OK")
    }

    func testIdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() throws {
        var limits = GreenHTTPServer.Limits()
        limits.idleTimeout = 0.1
        let server = try startServer(limits: limits)
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { connection.close() }
        try connection.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try connection.readLine(timeout: 5), "HTTP/1.1 200 OK")
        // The server ends the stream on its own, well before the 5 s receive timeout.
        while try connection.receive(upTo: 65536, timeout: 5).count > 0 {}
    }

    func testHTTPClientRejectsBadURLs() throws {
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        XCTAssertThrowsError(try client.get("not a url")) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument, "\($0)")
        }
    }
}
