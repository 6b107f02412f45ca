import Foundation
import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

/// UDP, Unix-domain sockets, DNS, subprocesses and files.
final class TransportTests: XCTestCase {
    func testUDPDatagramsRoundTrip() throws {
        let server = try GreenUDPSocket.bind()
        let client = try GreenUDPSocket.bind()
        defer { server.close(); client.close() }
        let echo = Green.spawn {
            let (bytes, sender) = try server.receive(timeout: 5)
            try server.send(bytes.reversed(), to: sender.ipAddress!, port: sender.port!)
        }
        try client.send([1, 2, 3], to: "127.0.0.1", port: server.port)
        let (reply, _) = try client.receive(timeout: 5)
        XCTAssertEqual(reply, [3, 2, 1])
        try echo.join()
        XCTAssertThrowsError(try client.receive(timeout: 0.02)) { XCTAssertTrue($0 is GreenTimeoutError) }
    }

    func testUnixDomainSocketStream() throws {
        let path = NSTemporaryDirectory() + "weave-\(getpid())-\(UInt16.random(in: 0...UInt16.max)).sock"
        let listener = try GreenStreamListener.listen(unixDomainSocketPath: path)
        defer { listener.close(); unlink(path) }
        let server = Green.spawn {
            let connection = try listener.accept(timeout: 5)
            defer { connection.close() }
            try connection.send((try connection.readLine(timeout: 5) ?? "") + " back\n")
        }
        let client = try GreenStream.connect(unixDomainSocketPath: path, timeout: 5)
        defer { client.close() }
        try client.send("there\n")
        XCTAssertEqual(try client.readLine(timeout: 5), "there back")
        try server.join()
    }

    func testDNSResolvesLocalhostOffTheHub() throws {
        let addresses = try GreenDNS.resolve(host: "localhost", port: 80)
        XCTAssertFalse(addresses.isEmpty)
        XCTAssertTrue(addresses.allSatisfy { $0.port == 80 })
        XCTAssertEqual(try GreenDNS.address(of: "127.0.0.1"), "127.0.0.1")
        XCTAssertThrowsError(try GreenDNS.resolve(host: "no-such-host.invalid")) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .nameResolutionFailed, "\($0)")
        }
    }

    func testSubprocessPipesAndExitStatus() throws {
        let sorted = try GreenSubprocess.run(["sort"], input: Array("b\nc\na\n".utf8), timeout: 10)
        XCTAssertEqual(sorted.status, 0)
        XCTAssertEqual(String(decoding: sorted.output, as: UTF8.self), "a\nb\nc\n")
        let failing = try GreenSubprocess.run(["sh", "-c", "echo oops >&2; exit 3"], timeout: 10)
        XCTAssertEqual(failing.status, 3)
        XCTAssertEqual(String(decoding: failing.error, as: UTF8.self), "oops\n")
        XCTAssertThrowsError(try GreenSubprocess(["/no/such/command"])) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .subprocessFailed, "\($0)")
        }
    }

    func testWaitingForASubprocessSuspendsOnlyTheGreenlet() throws {
        var ticks = 0
        let ticker = Green.spawn {
            for _ in 0..<5 {
                try Green.sleep(0.01)
                ticks += 1
            }
        }
        let sleeper = try GreenSubprocess(["sleep", "0.2"])
        XCTAssertEqual(try sleeper.wait(timeout: 10), 0)
        XCTAssertEqual(ticks, 5)
        try ticker.join()
        let killed = try GreenSubprocess(["sleep", "10"])
        XCTAssertThrowsError(try killed.wait(timeout: 0.05)) { XCTAssertTrue($0 is GreenTimeoutError) }
        killed.send(signal: SIGKILL)
        XCTAssertEqual(try killed.wait(timeout: 10), -SIGKILL)
    }

    func testFilesReadAndWriteInChunks() throws {
        let path = NSTemporaryDirectory() + "weave-file-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        defer { unlink(path) }
        let content = (0..<(GreenFile.chunkSize * 2 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try GreenFile.write(content, to: path)
        XCTAssertEqual(try GreenFile.read(contentsOf: path), content)
        let appending = try GreenFile.open(path, mode: .append)
        try appending.write([1, 2])
        appending.close()
        XCTAssertEqual(try GreenFile.read(contentsOf: path).suffix(2), [1, 2])
        XCTAssertThrowsError(try GreenFile.open(path + "-missing")) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .fileFailed)
        }
    }
}
