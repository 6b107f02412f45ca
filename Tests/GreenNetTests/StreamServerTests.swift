import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

final class StreamServerTests: XCTestCase {
    func testGracefulStopWaitsForHandlersThenKillsTheRest() throws {
        let finished = LineCollector()
        let server = try GreenStreamServer { connection in
            let line = try connection.readLine(timeout: 5) ?? ""
            if line == "quick" {
                try Green.sleep(0.05)
                try connection.send("done\n")
                finished.append("quick")
            } else {
                try Green.sleep(60)
                finished.append("slow")
            }
        }
        server.start()
        let quick = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        let slow = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        defer { quick.close(); slow.close() }
        try quick.send("quick\n")
        try slow.send("slow\n")
        try Green.sleep(0.02)
        XCTAssertEqual(server.activeConnections, 2)
        try server.stop(timeout: 0.3)
        XCTAssertEqual(finished.lines, ["quick"])
        XCTAssertEqual(try quick.readLine(timeout: 5), "done")
        XCTAssertNil(try slow.readLine(timeout: 5))
        XCTAssertEqual(server.activeConnections, 0)
    }

    func testMaxConnectionsBoundsTheHandlersRunningAtOnce() throws {
        var running = 0
        var peak = 0
        let server = try GreenStreamServer(maxConnections: 2) { connection in
            running += 1
            peak = max(peak, running)
            try Green.sleep(0.03)
            running -= 1
            try connection.send("bye\n")
        }
        server.start()
        defer { try? server.stop() }
        let clients = (0..<6).map { _ in
            Green.spawn { () -> String? in
                let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port, timeout: 5)
                defer { connection.close() }
                return try connection.readLine(timeout: 5)
            }
        }
        for client in clients {
            XCTAssertEqual(try client.get(), "bye")
        }
        XCTAssertEqual(peak, 2)
    }

    func testBadServerArgumentsAreErrors() {
        XCTAssertThrowsError(try GreenStreamServer(maxConnections: 0) { _ in }) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try GreenStreamListener.listen(port: -1)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument)
        }
    }
}
