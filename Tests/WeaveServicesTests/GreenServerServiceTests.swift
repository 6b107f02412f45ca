import GreenHub
import GreenNet
import Logging
import ServiceLifecycle
import Synchronization
import WeaveServices
import WeaveTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class GreenServerServiceTests: XCTestCase {
    /// Whether something accepts connections on `port` of loopback, checked with a plain
    /// blocking socket.
    private func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    func testAGracefulShutdownLetsTheRequestInProgressFinishThenClosesThePort() async throws {
        let log = LogCapture()
        let started = AsyncStream.makeStream(of: Int.self)
        let web = GreenServerService(
            threads: 2, shutdownTimeout: .seconds(5), logger: log.logger(label: "service-test"),
            onStarted: { started.continuation.yield($0) }
        ) { port in
            try GreenHTTPServer(port: port, reusePort: true) { request in
                try Green.sleep(request.path == "/slow" ? 0.3 : 0)
                return GreenHTTPResponse(text: "done \(request.path)")
            }
        }
        let group = ServiceGroup(services: [web], logger: log.logger(label: "group-test", level: .warning))
        async let running: Void = group.run()
        var ports = started.stream.makeAsyncIterator()
        let first = await ports.next()
        let port = try XCTUnwrap(first)

        let client = try Hub.startThread()
        let slow = Task {
            try await client.run { () -> String in
                let http = try GreenHTTPClient()
                defer { try? http.close() }
                return try http.get("http://127.0.0.1:\(port)/slow").text
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        try await running
        let answer = try await slow.value
        XCTAssertEqual(answer, "done /slow", "the request in progress finished during the graceful shutdown")
        XCTAssertFalse(accepts(port: port), "the port is closed once the service has stopped")
        XCTAssertTrue(log.entries.contains { $0.message == "stopped" && $0.metadata["graceful"] == "true" }, "\(log.entries)")
    }
}
