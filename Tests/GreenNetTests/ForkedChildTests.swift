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

    /// AsyncHTTPClient needs Dispatch (to look names up, to report its shutdown), whose
    /// thread pool a fork breaks once it has started: the client is refused at once with a
    /// clear error, instead of requests and `close()` that wait for ever. The rest of the
    /// child's green networking works, names included.
    func testAChildForkedAfterDispatchRanRefusesTheHTTPClientAndKeepsGreenStreams() throws {
        let server = try startLineEchoServer()
        defer { try? server.stop() }
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { done.signal() }
        done.wait()
        let report = try ProcessQueue<String>()
        let child = ChildProcess(name: "http-child", arguments: server.port) { port in
            var answers: [String] = []
            do {
                _ = try GreenHTTPClient()
                answers.append("client made")
            } catch let error as GreenNetError where error.code == .unavailableAfterFork {
                answers.append("client refused")
            }
            let connection = try GreenStream.connect(host: "localhost", port: port, timeout: 5)
            defer { connection.close() }
            try connection.send("by name\n")
            answers.append(try connection.readLine(timeout: 5) ?? "nothing")
            try report.put(answers.joined(separator: ","))
        }
        try child.start()
        XCTAssertEqual(try Green.runBlocking { try report.get(timeout: 10) }, "client refused,by name")
        XCTAssertTrue(try Green.runBlocking { try child.join(timeout: 10) })
        XCTAssertEqual(child.exitCode, 0)
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
