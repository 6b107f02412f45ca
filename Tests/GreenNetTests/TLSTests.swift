import Foundation
import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

/// A self-signed certificate for `localhost` and 127.0.0.1, made with the `openssl` tool at
/// test time.
private struct TestCertificate {
    let certificatePEM: String
    let keyPEM: String

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weave-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem")
        let key = directory.appendingPathComponent("key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key.path, "-out", certificate.path, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        do {
            try openssl.run()
        } catch {
            throw XCTSkip("the openssl tool is not available to make a test certificate")
        }
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw XCTSkip("openssl could not make a test certificate") }
        return TestCertificate(
            certificatePEM: try String(contentsOf: certificate, encoding: .utf8),
            keyPEM: try String(contentsOf: key, encoding: .utf8))
    }
}

final class TLSTests: XCTestCase {
    func testTLSEchoWithTrustedCertificateAndRejectionOfAnUntrustedOne() throws {
        let certificate = try TestCertificate.make()
        let serverTLS = try GreenTLSConfiguration.server(
            certificateChainPEM: certificate.certificatePEM, privateKeyPEM: certificate.keyPEM)
        let server = try GreenStreamServer(tls: serverTLS) { connection in
            while let line = try connection.readLine(timeout: 5) {
                try connection.send("tls: \(line)\n")
            }
        }
        let log = LineCollector()
        server.errorLog = { log.append($0) }
        server.start()
        defer { try? server.stop() }

        let trusted = try GreenStream.connect(
            host: "localhost", port: server.port, timeout: 5,
            tls: .client(trustRootsPEM: certificate.certificatePEM))
        try trusted.send("hello\n")
        XCTAssertEqual(try trusted.readLine(timeout: 5), "tls: hello")
        trusted.close()

        XCTAssertThrowsError(
            try GreenStream.connect(host: "localhost", port: server.port, timeout: 5, tls: .client())
        ) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .tlsFailed, "\($0)")
        }
        try Green.sleep(0.05)
        XCTAssertTrue(log.lines.contains { $0.contains("UNKNOWN_CA") }, "\(log.lines)")

        let unverified = try GreenStream.connect(
            host: "127.0.0.1", port: server.port, timeout: 5, tls: .clientWithoutVerification())
        try unverified.send("anyway\n")
        XCTAssertEqual(try unverified.readLine(timeout: 5), "tls: anyway")
        unverified.close()
    }

    func testHTTPSClientAndServer() throws {
        let certificate = try TestCertificate.make()
        let serverTLS = try GreenTLSConfiguration.server(
            certificateChainPEM: certificate.certificatePEM, privateKeyPEM: certificate.keyPEM)
        let server = try GreenHTTPServer(tls: serverTLS) { request in
            GreenHTTPResponse(text: "secure \(request.path)")
        }
        server.start()
        defer { try? server.stop() }
        var trusting = GreenHTTPClient.Configuration()
        trusting.tls = try .client(trustRootsPEM: certificate.certificatePEM)
        let client = try GreenHTTPClient(configuration: trusting)
        defer { try? client.close() }
        XCTAssertEqual(try client.get("https://localhost:\(server.port)/x").text, "secure /x")

        let strict = try GreenHTTPClient()
        defer { try? strict.close() }
        XCTAssertThrowsError(try strict.get("https://localhost:\(server.port)/x", timeout: 2))
    }

    func testBadPEMIsAnError() {
        XCTAssertThrowsError(try GreenTLSConfiguration.server(certificateChainPEM: "nope", privateKeyPEM: "nope")) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .tlsFailed)
        }
    }
}
