import Foundation
import Managers
@testable import Multiprocessing
import XCTest

/// Listener and client over real sockets: what an authenticated connection carries, and
/// how bad clients are refused while the listener goes on serving.
final class ConnectionAuthenticationTests: XCTestCase {
    private let key = AuthenticationKey("right key")

    private struct Greeting: Codable, Equatable, Sendable {
        var text: String
        var numbers: [Int]
    }

    /// Accepts one client on a thread, echoes one value and one byte message back.
    private func echoOnce(_ listener: ConnectionListener) -> BackgroundWork<Void> {
        BackgroundWork {
            let connection = try listener.accept()
            try connection.send(try connection.receive(Greeting.self))
            try connection.sendBytes(try connection.receiveBytes())
        }
    }

    /// Accepts the next client on a thread; its result is the `ConnectionError` that
    /// refused it (nil if it was accepted).
    private func refusalOfNextClient(_ listener: ConnectionListener) -> BackgroundWork<ConnectionError?> {
        BackgroundWork {
            do {
                _ = try listener.accept()
                return nil
            } catch let error as ConnectionError {
                return error
            }
        }
    }

    private func assertEchoes(_ listener: ConnectionListener, key: AuthenticationKey?) throws {
        let server = echoOnce(listener)
        let connection = try ConnectionClient.connect(to: listener.address, authenticationKey: key)
        let greeting = Greeting(text: "hello", numbers: [1, 2, 3])
        try connection.send(greeting)
        XCTAssertEqual(try connection.receive(Greeting.self), greeting)
        try connection.sendBytes([0, 255, 7])
        XCTAssertEqual(try connection.receiveBytes(), [0, 255, 7])
        try server.result()
    }

    func testRightKeyOverUnixSocketCarriesValuesAndBytes() throws {
        let listener = try ConnectionListener(authenticationKey: key)
        defer { listener.close() }
        guard case .unix(let path) = listener.address else { return XCTFail("expected a Unix address") }
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "the socket file must be owner-only")
        try assertEchoes(listener, key: key)
        listener.close()
        XCTAssertNotEqual(stat(path, &info), 0, "closing the listener removes its socket file")
    }

    func testRightKeyOverTCP() throws {
        let listener = try ConnectionListener(address: .tcp(host: "127.0.0.1", port: 0), authenticationKey: key)
        defer { listener.close() }
        guard case .tcp(_, let port) = listener.address else { return XCTFail("expected a TCP address") }
        XCTAssertGreaterThan(port, 0)
        try assertEchoes(listener, key: key)
    }

    func testWrongKeyIsRefusedBothWaysAndTheListenerGoesOn() throws {
        let listener = try ConnectionListener(authenticationKey: key)
        defer { listener.close() }
        let refused = refusalOfNextClient(listener)
        XCTAssertThrowsError(try ConnectionClient.connect(to: listener.address, authenticationKey: AuthenticationKey("wrong key"))) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .peerNotAuthenticated)
        }
        XCTAssertEqual(try refused.result()?.code, .authenticationFailed)
        try assertEchoes(listener, key: key)
    }

    func testClientWithoutKeyIsRefused() throws {
        let listener = try ConnectionListener(authenticationKey: key)
        defer { listener.close() }
        let refused = refusalOfNextClient(listener)
        XCTAssertThrowsError(try ConnectionClient.connect(to: listener.address, authenticationKey: nil)) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .authenticationRequired)
        }
        XCTAssertEqual(try refused.result()?.code, .malformedHandshake)
        try assertEchoes(listener, key: key)
    }

    func testClientWithKeyRefusesAListenerWithout() throws {
        let listener = try ConnectionListener(authenticationKey: nil)
        defer { listener.close() }
        let server = BackgroundWork { _ = try listener.accept() }
        XCTAssertThrowsError(try ConnectionClient.connect(to: listener.address, authenticationKey: key)) {
            XCTAssertEqual(($0 as? ConnectionError)?.code, .authenticationNotOffered)
        }
        try server.result()
        try assertEchoes(listener, key: nil)
    }

    /// Connects a raw socket, sends `bytes`, and returns what `accept()` threw.
    private func refusal(of bytes: [UInt8], closing: Bool, handshakeTimeout: Double = 5) throws -> ConnectionError? {
        let listener = try ConnectionListener(authenticationKey: key, handshakeTimeout: handshakeTimeout)
        defer { listener.close() }
        guard case .unix(let path) = listener.address else { return nil }
        let server = refusalOfNextClient(listener)
        let raw = ProcessConnection(descriptor: try Syscalls.connectUnix(path: path), readable: true, writable: true)
        if !bytes.isEmpty { _ = try bytes.withUnsafeBytes { try Syscalls.send(raw.descriptor, from: $0) } }
        if closing { raw.close() }
        let error = try server.result()
        raw.close()
        try assertEchoes(listener, key: key)
        return error
    }

    func testGarbageIsRefused() throws {
        let garbage: [UInt8] = [50, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0x5A, count: 50)
        XCTAssertEqual(try refusal(of: garbage, closing: true)?.code, .malformedHandshake)
    }

    func testOversizedFrameIsRefusedBeforeAllocation() throws {
        // A header announcing a terabyte: refused from the 8 header bytes alone.
        let header = withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Array($0) }
        XCTAssertEqual(try refusal(of: header, closing: false)?.code, .frameTooLarge)
    }

    func testOversizedFrameAfterTheHandshakeIsRefused() throws {
        let listener = try ConnectionListener(authenticationKey: key, maximumMessageSize: 1024)
        defer { listener.close() }
        let server = BackgroundWork { () -> MultiprocessingError? in
            let connection = try listener.accept()
            do {
                _ = try connection.receiveBytes()
                return nil
            } catch let error as MultiprocessingError {
                return error
            }
        }
        let connection = try ConnectionClient.connect(to: listener.address, authenticationKey: key)
        try connection.sendBytes([UInt8](repeating: 1, count: 4096))
        XCTAssertEqual(try server.result()?.code, .invalidArgument)
    }

    func testSilentClientTimesOut() throws {
        XCTAssertEqual(try refusal(of: [], closing: false, handshakeTimeout: 0.3)?.code, .handshakeTimedOut)
    }

    func testTruncatedHandshakeTimesOut() throws {
        let half = withUnsafeBytes(of: UInt64(64).littleEndian) { Array($0) } + [1, 2, 3]
        XCTAssertEqual(try refusal(of: half, closing: false, handshakeTimeout: 0.3)?.code, .handshakeTimedOut)
    }

    func testTruncatedHandshakeThenCloseIsMalformed() throws {
        let half = withUnsafeBytes(of: UInt64(64).littleEndian) { Array($0) } + [1, 2, 3]
        XCTAssertEqual(try refusal(of: half, closing: true)?.code, .malformedHandshake)
    }
}
