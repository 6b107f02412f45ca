import Dispatch
import GreenHub
import GreenNet
import Multiprocessing
import WeaveTestSupport
import XCTest

/// A child forked from a thread that runs a hub — gevent's "state broken after fork".
/// The parent's event loop (its epoll instance, eventfd and timerfd) must not be shared
/// with the child: the child's green code gets a hub of its own, and both sides keep
/// working.
final class ForkedChildTests: XCTestCase {
    override func setUp() {
        // The test process has other threads; the child uses none of their locks.
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testAChildForkedFromAHubThreadRunsGreenCodeOfItsOwn() throws {
        let server = try startLineEchoServer()
        defer { try? server.stop() }
        let port = server.port
        // The parent's blocking pool runs before the fork: the child must start its own.
        XCTAssertEqual(try Green.runBlocking { 1 }, 1)
        let report = try ProcessQueue<String>()
        // Green objects of the parent's hub, which the child must refuse to use.
        let parentConnection = UncheckedBox(try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5))
        defer { parentConnection.value.close() }
        let parentQueue = UncheckedBox(GreenQueue<Int>())
        let child = ChildProcess(name: "green-child", arguments: port) { port in
            var answers: [String] = []
            do {
                try parentConnection.value.send("from the child\n")
                answers.append("sent on the parent's connection")
            } catch let error as GreenNetError where error.code == .wrongThread {
                answers.append("connection refused")
            }
            do {
                try parentQueue.value.put(1)
                answers.append("put on the parent's queue")
            } catch let error as HubError where error.code == .wrongThread {
                answers.append("queue refused")
            }
            let sleeper = Green.spawn { () -> String in
                try Green.sleep(0.02)
                return "slept"
            }
            answers.append("pool \(try Green.runBlocking { 2 })")
            for index in 0..<20 {
                // By name every other time: name resolution runs on the blocking pool.
                let host = index.isMultiple(of: 2) ? "localhost" : "127.0.0.1"
                let connection = try GreenStream.connect(host: host, port: port, timeout: 5)
                defer { connection.close() }
                try connection.send("child \(index)\n")
                answers.append(try connection.readLine(timeout: 5) ?? "nothing")
            }
            answers.append(try sleeper.get())
            try report.put(answers.joined(separator: ","))
        }
        try child.start()
        // The parent's own hub keeps serving and connecting meanwhile.
        for index in 0..<50 {
            let connection = try GreenStream.connect(host: "127.0.0.1", port: port, timeout: 5)
            defer { connection.close() }
            try connection.send("parent \(index)\n")
            XCTAssertEqual(try connection.readLine(timeout: 5), "parent \(index)")
        }
        let expected = ["connection refused", "queue refused", "pool 2"] + (0..<20).map { "child \($0)" } + ["slept"]
        // Waiting on the process queue and the child blocks a thread: off the hub, which
        // must keep serving the child.
        XCTAssertEqual(try Green.runBlocking { try report.get(timeout: 10) }, expected.joined(separator: ","))
        XCTAssertTrue(try Green.runBlocking { try child.join(timeout: 10) })
        XCTAssertEqual(child.exitCode, 0)
    }

    /// AsyncHTTPClient looks names up and reports its shutdown on Dispatch, whose thread
    /// pool a fork breaks once it has started. In such a child the client looks names up on
    /// Weave's pool and follows redirects itself (a redirect to another host is looked up
    /// the same way), and `close()` returns: no request waits for its connect timeout, and
    /// the child exits.
    func testTheHTTPClientWorksInAChildForkedAfterDispatchRan() throws {
        final class Port: @unchecked Sendable {
            var number = 0
        }
        let port = Port()
        let server = try GreenHTTPServer { request in
            switch request.path {
            case "/hop":
                GreenHTTPResponse(status: 302, headers: [("Location", "http://localhost:\(port.number)/target")])
            case "/loop":
                GreenHTTPResponse(status: 307, headers: [("Location", "/loop")])
            default:
                GreenHTTPResponse(text: "served \(request.method) \(request.path)")
            }
        }
        port.number = server.port
        server.start()
        defer { try? server.stop() }
        startDispatchThreads()
        try assertForkedChild(
            port: server.port,
            answers: "200 served GET /by-name,200 served GET /target,200 served GET /target,200 served GET /target,loop refused"
        ) { port in
            let client = try GreenHTTPClient()
            defer { try? client.close() }
            func text(_ response: GreenHTTPResponse) -> String {
                "\(response.status) " + String(decoding: response.body, as: UTF8.self)
            }
            var answers = [
                text(try client.get("http://localhost:\(port)/by-name", timeout: 5)),
                text(try client.get("http://127.0.0.1:\(port)/hop", timeout: 5)),
                text(try client.post("http://127.0.0.1:\(port)/hop", body: Array("x".utf8), timeout: 5)),
            ]
            var streamed: [UInt8] = []
            let head = try client.stream("GET", "http://127.0.0.1:\(port)/hop", timeout: 5) { streamed += $0 }
            answers.append("\(head.status) " + String(decoding: streamed, as: UTF8.self))
            answers.append(try Self.outcome("loop", refusedWith: .httpProtocol) {
                _ = try client.get("http://localhost:\(port)/loop", timeout: 5)
            })
            return answers
        }
    }

    /// Over HTTPS, such a child's client connects to the address it looked up and still
    /// checks the certificate against the name: a certificate for `localhost` alone is
    /// accepted by name and refused at its address.
    func testTheHTTPClientOfSuchAChildChecksCertificatesAgainstTheName() throws {
        let certificate = try TestCertificate.make(alternativeNames: "DNS:localhost")
        let server = try GreenHTTPServer(
            tls: .server(certificateChainPEM: certificate.certificatePEM, privateKeyPEM: certificate.keyPEM)
        ) { _ in GreenHTTPResponse(text: "secure") }
        server.start()
        defer { try? server.stop() }
        startDispatchThreads()
        let trustRoots = certificate.certificatePEM
        try assertForkedChild(port: server.port, answers: "200 secure,address refused") { port in
            var configuration = GreenHTTPClient.Configuration()
            configuration.tls = try .client(trustRootsPEM: trustRoots)
            // AsyncHTTPClient retries a failed connection until its connect timeout, a
            // failed certificate check included: keep the refused request short.
            configuration.connectTimeout = 1
            let client = try GreenHTTPClient(configuration: configuration)
            defer { try? client.close() }
            let byName = try client.get("https://localhost:\(port)/", timeout: 5)
            return [
                "\(byName.status) " + String(decoding: byName.body, as: UTF8.self),
                try Self.outcome("address", refusedWith: .tlsFailed) {
                    _ = try client.get("https://127.0.0.1:\(port)/", timeout: 5)
                },
            ]
        }
    }

    /// Forks a child that runs `body` with `port`; checks its answers, joined with commas,
    /// against `expected`, and that it exits cleanly.
    private func assertForkedChild(
        port: Int, answers expected: String, _ body: @escaping @Sendable (Int) throws -> [String]
    ) throws {
        let report = try ProcessQueue<String>()
        let child = ChildProcess(name: "forked-child", arguments: port) { port in
            try report.put(try body(port).joined(separator: ","))
        }
        try child.start()
        XCTAssertEqual(try Green.runBlocking { try report.get(timeout: 20) }, expected)
        XCTAssertTrue(try Green.runBlocking { try child.join(timeout: 10) })
        XCTAssertEqual(child.exitCode, 0)
    }

    /// "`label` refused" when `body` throws a `GreenNetError` with `code`, "`label`
    /// accepted" when it returns.
    private static func outcome(_ label: String, refusedWith code: GreenNetError.Code, _ body: () throws -> Void) throws -> String {
        do {
            try body()
            return "\(label) accepted"
        } catch let error as GreenNetError where error.code == code {
            return "\(label) refused"
        }
    }

    /// Makes Dispatch start a thread of its own: a child forked afterwards inherits a
    /// Dispatch that may never run queued work.
    private func startDispatchThreads() {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { done.signal() }
        done.wait()
    }

    /// A started server that sends each line back.
    private func startLineEchoServer() throws -> GreenStreamServer {
        let server = try GreenStreamServer { connection in
            while let line = try connection.readLine(timeout: 5) {
                try connection.send(line + "\n")
            }
        }
        server.start()
        return server
    }
}
