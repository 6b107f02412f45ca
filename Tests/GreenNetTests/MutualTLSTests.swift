import GreenHub
import GreenNet
import WeaveTestSupport
import XCTest

/// Client certificates (mutual TLS) and application-protocol negotiation (ALPN).
final class MutualTLSTests: XCTestCase {
    /// A TLS echo server: each line comes back prefixed with the protocol the connection
    /// negotiated. The handshakes it refuses are logged out of sight.
    private func startEchoServer(_ tls: GreenTLSConfiguration) throws -> GreenStreamServer {
        let server = try GreenStreamServer(tls: tls) { connection in
            while let line = try connection.readLine(timeout: 5) {
                try connection.send("\(connection.negotiatedApplicationProtocol ?? "none") \(line)\n")
            }
        }
        let log = LogCapture()
        server.logger = log.logger(label: "mtls-test")
        server.start()
        return server
    }

    /// Connects, sends a line and returns the answer, or the error of the connection or
    /// of the exchange.
    private func echo(port: Int, _ tls: GreenTLSConfiguration) -> Result<String?, any Error> {
        Result {
            let connection = try GreenStream.connect(host: "localhost", port: port, timeout: 5, tls: tls)
            defer { connection.close() }
            try connection.send("hello\n")
            return try connection.readLine(timeout: 5)
        }
    }

    /// A server whose certificate and trusted client certificates come from one
    /// authority, and a client configuration for each kind of client.
    private struct MutualSetUp {
        let server: GreenStreamServer
        /// Trusts the server and presents a certificate from the server's authority.
        let member: GreenTLSConfiguration
        /// Trusts the server and presents no certificate.
        let anonymous: GreenTLSConfiguration
        /// Trusts the server and presents a certificate from another authority.
        let outsider: GreenTLSConfiguration
    }

    private func startMutualServer(
        _ policy: (String) -> GreenTLSConfiguration.ClientCertificateVerification
    ) throws -> MutualSetUp {
        let authority = try TestCertificateAuthority.make(name: "Weave Test CA")
        let serverCertificate = try authority.issue(commonName: "localhost")
        let server = try startEchoServer(.server(
            certificateChainPEM: serverCertificate.certificatePEM, privateKeyPEM: serverCertificate.keyPEM,
            clientCertificates: policy(authority.certificatePEM)))
        let member = try authority.issue(commonName: "member")
        let outsider = try TestCertificateAuthority.make(name: "Another CA").issue(commonName: "outsider")
        return MutualSetUp(
            server: server,
            member: try .client(
                trustRootsPEM: authority.certificatePEM,
                certificateChainPEM: member.certificatePEM, privateKeyPEM: member.keyPEM),
            anonymous: try .client(trustRootsPEM: authority.certificatePEM),
            outsider: try .client(
                trustRootsPEM: authority.certificatePEM,
                certificateChainPEM: outsider.certificatePEM, privateKeyPEM: outsider.keyPEM))
    }

    func testEachSideSeesTheCertificateThePeerPresented() throws {
        let authority = try TestCertificateAuthority.make(name: "Weave Test CA")
        let serverCertificate = try authority.issue(commonName: "localhost")
        let member = try authority.issue(commonName: "member")
        // The server answers with what it saw of the client before and after reading.
        let server = try GreenStreamServer(tls: .server(
            certificateChainPEM: serverCertificate.certificatePEM, privateKeyPEM: serverCertificate.keyPEM,
            clientCertificates: .optional(trustRootsPEM: authority.certificatePEM))) { connection in
            let beforeHandshake = connection.peerCertificate.map { "\($0)" } ?? "none"
            guard let line = try connection.readLine(timeout: 5) else { return }
            let seen = connection.peerCertificate.map { "\($0)" } ?? "none"
            try connection.send("\(line): \(beforeHandshake.contains("common_name") ? "early" : "none") / \(seen)\n")
        }
        server.start()
        defer { try? server.stop() }

        let withCertificate = try GreenStream.connect(host: "localhost", port: server.port, timeout: 5, tls: .client(
            trustRootsPEM: authority.certificatePEM,
            certificateChainPEM: member.certificatePEM, privateKeyPEM: member.keyPEM))
        defer { withCertificate.close() }
        XCTAssertTrue(withCertificate.peerCertificate?.description.contains("common_name=localhost") ?? false)
        try withCertificate.send("member\n")
        let answer = try XCTUnwrap(try withCertificate.readLine(timeout: 5))
        XCTAssertTrue(answer.hasPrefix("member: none / "), answer)
        XCTAssertTrue(answer.contains("common_name=member"), answer)

        let anonymous = try GreenStream.connect(
            host: "localhost", port: server.port, timeout: 5, tls: .client(trustRootsPEM: authority.certificatePEM))
        defer { anonymous.close() }
        try anonymous.send("anonymous\n")
        XCTAssertEqual(try anonymous.readLine(timeout: 5), "anonymous: none / none")

        let plain = try GreenStreamListener.listen()
        defer { plain.close() }
        let accepting = Green.spawn { try plain.accept(timeout: 5) }
        let client = try GreenStream.connect(host: "127.0.0.1", port: plain.port, timeout: 5)
        defer { client.close() }
        let accepted = try accepting.get()
        defer { accepted.close() }
        XCTAssertNil(client.peerCertificate)
        XCTAssertNil(accepted.peerCertificate)
    }

    func testARequiredClientCertificateMustComeFromTheTrustedAuthority() throws {
        let setUp = try startMutualServer { .required(trustRootsPEM: $0) }
        defer { try? setUp.server.stop() }
        XCTAssertEqual(try echo(port: setUp.server.port, setUp.member).get(), "none hello")
        XCTAssertThrowsError(try echo(port: setUp.server.port, setUp.anonymous).get()) {
            XCTAssertTrue("\($0)".contains("CERTIFICATE_REQUIRED"), "\($0)")
        }
        XCTAssertThrowsError(try echo(port: setUp.server.port, setUp.outsider).get()) {
            XCTAssertTrue("\($0)".contains("UNKNOWN_CA"), "\($0)")
        }
    }

    func testAnOptionalClientCertificateMayBeLeftOutButMustBeValidWhenGiven() throws {
        let setUp = try startMutualServer { .optional(trustRootsPEM: $0) }
        defer { try? setUp.server.stop() }
        XCTAssertEqual(try echo(port: setUp.server.port, setUp.member).get(), "none hello")
        XCTAssertEqual(try echo(port: setUp.server.port, setUp.anonymous).get(), "none hello")
        XCTAssertThrowsError(try echo(port: setUp.server.port, setUp.outsider).get()) {
            XCTAssertTrue("\($0)".contains("UNKNOWN_CA"), "\($0)")
        }
    }

    func testApplicationProtocolNegotiation() throws {
        let certificate = try TestCertificate.make()
        let server = try startEchoServer(
            .server(
                certificateChainPEM: certificate.certificatePEM, privateKeyPEM: certificate.keyPEM,
                applicationProtocols: ["weave/2", "weave/1"]))
        defer { try? server.stop() }

        let client = try GreenStream.connect(
            host: "localhost", port: server.port, timeout: 5,
            tls: .client(trustRootsPEM: certificate.certificatePEM, applicationProtocols: ["other", "weave/1"]))
        defer { client.close() }
        XCTAssertEqual(client.negotiatedApplicationProtocol, "weave/1")
        try client.send("hi\n")
        XCTAssertEqual(try client.readLine(timeout: 5), "weave/1 hi")

        let unrelated = try GreenTLSConfiguration.client(trustRootsPEM: certificate.certificatePEM, applicationProtocols: ["other"])
        XCTAssertEqual(try echo(port: server.port, unrelated).get(), "none hello")
        XCTAssertEqual(try echo(port: server.port, .client(trustRootsPEM: certificate.certificatePEM)).get(), "none hello")
    }

    func testBadClientIdentitiesAndProtocolNamesAreErrors() throws {
        let certificate = try TestCertificate.make()
        XCTAssertThrowsError(try GreenTLSConfiguration.client(certificateChainPEM: certificate.certificatePEM)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument, "\($0)")
        }
        XCTAssertThrowsError(try GreenTLSConfiguration.client(certificateChainPEM: "nope", privateKeyPEM: certificate.keyPEM)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .tlsFailed, "\($0)")
        }
        let otherKey = try TestCertificate.make().keyPEM
        XCTAssertThrowsError(try GreenTLSConfiguration.client(certificateChainPEM: certificate.certificatePEM, privateKeyPEM: otherKey)) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .tlsFailed, "\($0)")
        }
        XCTAssertThrowsError(try GreenTLSConfiguration.clientWithoutVerification(applicationProtocols: [""])) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .invalidArgument, "\($0)")
        }
        XCTAssertThrowsError(try GreenTLSConfiguration.server(
            certificateChainPEM: certificate.certificatePEM, privateKeyPEM: certificate.keyPEM,
            clientCertificates: .required(trustRootsPEM: "nope"))) {
            XCTAssertEqual(($0 as? GreenNetError)?.code, .tlsFailed, "\($0)")
        }
    }
}
