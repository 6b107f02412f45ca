import Foundation
import GreenHub
import GreenNet
import Greenlets
import WeaveTestSupport
import XCTest

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
        let log = LogCapture()
        server.logger = log.logger(label: "tls-test")
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
        XCTAssertTrue(
            log.entries.contains { $0.level == .error && ($0.metadata["error"] ?? "").contains("UNKNOWN_CA") }, "\(log.entries)")

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
