import Foundation
import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

private struct Greeting: Codable, Equatable {
    var name: String
    var count: Int
}

final class HTTPClientTests: XCTestCase {
    private func startServer() throws -> GreenHTTPServer {
        let server = try GreenHTTPServer { request in
            switch request.path {
            case "/json":
                return try GreenHTTPResponse(json: Greeting(name: "weave", count: 3))
            case "/echo-json":
                let greeting = try JSONDecoder().decode(Greeting.self, from: Data(request.body))
                return try GreenHTTPResponse(json: Greeting(name: greeting.name.uppercased(), count: greeting.count + 1))
            case "/big":
                return GreenHTTPResponse(body: (0..<300_000).map { UInt8(truncatingIfNeeded: $0) })
            case "/redirect":
                return GreenHTTPResponse(status: 302, headers: [("Location", "/json")])
            case "/slow":
                try Green.sleep(2)
                return GreenHTTPResponse(text: "late")
            default:
                return GreenHTTPResponse(status: 404, text: "missing")
            }
        }
        server.start()
        return server
    }

    func testJSONHelpersRedirectsAndStatus() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        let base = "http://127.0.0.1:\(server.port)"
        XCTAssertEqual(try client.getJSON("\(base)/json", as: Greeting.self), Greeting(name: "weave", count: 3))
        let posted = try client.postJSON("\(base)/echo-json", json: Greeting(name: "green", count: 1))
        XCTAssertEqual(try posted.json(as: Greeting.self), Greeting(name: "GREEN", count: 2))
        XCTAssertEqual(try client.getJSON("\(base)/redirect", as: Greeting.self).name, "weave")
        let missing = try client.get("\(base)/nothing")
        XCTAssertEqual(missing.status, 404)
        XCTAssertThrowsError(try missing.raiseForStatus())
        XCTAssertThrowsError(try client.getJSON("\(base)/nothing", as: Greeting.self))
    }

    func testStreamingDeliversTheBodyInPieces() throws {
        let server = try startServer()
        defer { try? server.stop() }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        var received: [UInt8] = []
        var pieces = 0
        let head = try client.stream("GET", "http://127.0.0.1:\(server.port)/big") { chunk in
            received += chunk
            pieces += 1
        }
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(received, (0..<300_000).map { UInt8(truncatingIfNeeded: $0) })
        XCTAssertGreaterThan(pieces, 1)
    }

    func testRequestTimeoutIsAGreenTimeout() throws {
        let server = try startServer()
        defer { try? server.stop(timeout: 0) }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        XCTAssertThrowsError(try client.get("http://127.0.0.1:\(server.port)/slow", timeout: 0.1)) {
            XCTAssertTrue($0 is GreenTimeoutError, "\($0)")
        }
    }

    func testMultiHubServerAnswersFromSeveralThreads() throws {
        let server = try GreenMultiHubServer.start(threads: 2) { port in
            try GreenHTTPServer(port: port, reusePort: true) { _ in
                GreenHTTPResponse(text: "thread \(pthread_self())")
            }
        }
        let client = try GreenHTTPClient()
        defer { try? client.close() }
        var answers = Set<String>()
        for _ in 0..<4 {
            let fresh = try GreenHTTPClient()
            answers.insert(try fresh.get("http://127.0.0.1:\(server.port)/").text)
            try fresh.close()
        }
        XCTAssertEqual(try client.get("http://127.0.0.1:\(server.port)/").status, 200)
        try server.stop(timeout: 1)
        XCTAssertFalse(answers.isEmpty)
    }
}
