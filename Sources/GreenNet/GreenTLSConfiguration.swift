import NIOCore
import NIOSSL

/// How a connection speaks TLS, on top of NIOSSL — Python's `ssl.SSLContext`
/// (`ssl.create_default_context()` for clients, `SSLContext(PROTOCOL_TLS_SERVER)` with
/// `load_cert_chain` for servers).
///
/// A client configuration verifies the server's certificate chain and host name by
/// default; turning that off takes the explicitly named
/// ``clientWithoutVerification()``. Building a configuration loads certificates and
/// keys once; reuse it across connections. It is `Sendable`: any thread may make one.
public struct GreenTLSConfiguration: Sendable {
    let context: NIOSSLContext
    let configuration: TLSConfiguration
    let isClient: Bool

    private init(_ configuration: TLSConfiguration, isClient: Bool) throws {
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw GreenNetError(.tlsFailed, "the TLS configuration could not be loaded; check the certificates and keys", underlying: error)
        }
        self.configuration = configuration
        self.isClient = isClient
    }

    /// A client that verifies the server's certificate and host name —
    /// `ssl.create_default_context()`.
    ///
    /// - Parameter trustRootsPEM: PEM certificates to trust instead of the system's trust
    ///   store (a private CA, a self-signed test certificate); `nil` uses the system's.
    /// - Throws: `GreenNetError.tlsFailed` if the PEM cannot be parsed.
    public static func client(trustRootsPEM: String? = nil) throws -> GreenTLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustRootsPEM {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMBytes(Array(trustRootsPEM.utf8))
            } catch {
                throw GreenNetError(.tlsFailed, "the trust roots are not valid PEM certificates", underlying: error)
            }
            configuration.trustRoots = .certificates(roots)
        }
        return try GreenTLSConfiguration(configuration, isClient: true)
    }

    /// A client that accepts any certificate from any host — `ctx.check_hostname = False;
    /// ctx.verify_mode = ssl.CERT_NONE`. Anyone on the path can read and change the
    /// traffic; use it only for tests and local development.
    public static func clientWithoutVerification() throws -> GreenTLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return try GreenTLSConfiguration(configuration, isClient: true)
    }

    /// A server presenting a certificate chain — `ctx.load_cert_chain(certfile, keyfile)`.
    ///
    /// - Parameters:
    ///   - certificateChainPEM: The server's certificate, then its intermediates, in PEM.
    ///   - privateKeyPEM: The certificate's private key, in PEM.
    /// - Throws: `GreenNetError.tlsFailed` if either cannot be parsed or they do not match.
    public static func server(certificateChainPEM: String, privateKeyPEM: String) throws -> GreenTLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw GreenNetError(.tlsFailed, "the server certificate or key is not valid PEM", underlying: error)
        }
        guard !chain.isEmpty else {
            throw GreenNetError(.tlsFailed, "the certificate chain holds no PEM certificate")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return try GreenTLSConfiguration(configuration, isClient: false)
    }

    /// The NIOSSL handler for one client connection to `host`.
    func makeClientHandler(host: String) throws -> NIOSSLClientHandler {
        guard isClient else {
            throw GreenNetError(.invalidArgument, "a server TLS configuration was given to a client connection; use GreenTLSConfiguration.client()")
        }
        return try NIOSSLClientHandler(context: context, serverHostname: GreenAddress.isIPAddress(host) ? nil : host)
    }

    /// The NIOSSL handler for one accepted connection.
    func makeServerHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context)
    }
}
