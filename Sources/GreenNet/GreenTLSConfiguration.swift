import NIOCore
import NIOSSL

/// How a connection speaks TLS, on top of NIOSSL — Python's `ssl.SSLContext`
/// (`ssl.create_default_context()` for clients, `SSLContext(PROTOCOL_TLS_SERVER)` with
/// `load_cert_chain` for servers).
///
/// A client configuration verifies the server's certificate chain and host name by
/// default; turning that off takes the explicitly named
/// ``clientWithoutVerification(applicationProtocols:)``. Either side may present a
/// certificate (mutual TLS: a server asks for its clients' with
/// ``ClientCertificateVerification``) and offer application protocols (ALPN), whose
/// outcome a connection reports in ``GreenStream/negotiatedApplicationProtocol``.
///
/// Building a configuration loads certificates and keys once; reuse it across
/// connections. It is `Sendable`: any thread may make one.
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
    /// `ssl.create_default_context()`, with `load_cert_chain(certfile, keyfile)` to present
    /// a client certificate and `set_alpn_protocols(protocols)`.
    ///
    /// Any thread may call it.
    /// - Parameters:
    ///   - trustRootsPEM: PEM certificates to trust instead of the system's trust store (a
    ///     private CA, a self-signed test certificate); `nil` uses the system's.
    ///   - certificateChainPEM: The client's own certificate, then its intermediates, in
    ///     PEM, for servers that ask for one (mutual TLS); `nil` presents none.
    ///   - privateKeyPEM: The private key of `certificateChainPEM`, in PEM; given exactly
    ///     when the chain is.
    ///   - applicationProtocols: The protocols to offer (ALPN), most preferred first, such
    ///     as `["h2", "http/1.1"]`; empty offers none.
    /// - Throws: `GreenNetError.tlsFailed` if a PEM cannot be parsed or the key does not
    ///   match the certificate; `.invalidArgument` for a chain without its key (or the
    ///   reverse) or a protocol name that is empty or longer than 255 bytes.
    public static func client(
        trustRootsPEM: String? = nil,
        certificateChainPEM: String? = nil,
        privateKeyPEM: String? = nil,
        applicationProtocols: [String] = []
    ) throws -> GreenTLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustRootsPEM {
            configuration.trustRoots = .certificates(try certificates(fromPEM: trustRootsPEM, what: "trust roots"))
        }
        switch (certificateChainPEM, privateKeyPEM) {
        case (nil, nil):
            break
        case (let chainPEM?, let keyPEM?):
            let (chain, key) = try identity(certificateChainPEM: chainPEM, privateKeyPEM: keyPEM, what: "client")
            configuration.certificateChain = chain
            configuration.privateKey = key
        default:
            throw GreenNetError(.invalidArgument, "a client certificate needs both its chain and its private key; pass both or neither")
        }
        configuration.applicationProtocols = try checked(applicationProtocols)
        return try GreenTLSConfiguration(configuration, isClient: true)
    }

    /// A client that accepts any certificate from any host — `ctx.check_hostname = False;
    /// ctx.verify_mode = ssl.CERT_NONE`. Anyone on the path can read and change the
    /// traffic; use it only for tests and local development.
    ///
    /// Any thread may call it.
    /// - Parameter applicationProtocols: The protocols to offer (ALPN), most preferred
    ///   first — `set_alpn_protocols(protocols)`.
    /// - Throws: `GreenNetError.invalidArgument` for a protocol name that is empty or
    ///   longer than 255 bytes.
    public static func clientWithoutVerification(applicationProtocols: [String] = []) throws -> GreenTLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = try checked(applicationProtocols)
        return try GreenTLSConfiguration(configuration, isClient: true)
    }

    /// A server presenting a certificate chain — `ctx.load_cert_chain(certfile, keyfile)`,
    /// with `ctx.verify_mode` and `load_verify_locations` for client certificates and
    /// `set_alpn_protocols(protocols)`.
    ///
    /// Any thread may call it.
    /// - Parameters:
    ///   - certificateChainPEM: The server's certificate, then its intermediates, in PEM.
    ///   - privateKeyPEM: The certificate's private key, in PEM.
    ///   - clientCertificates: Whether clients must present certificates, and what signs
    ///     them (mutual TLS); by default they are not asked.
    ///   - applicationProtocols: The protocols this server speaks (ALPN), most preferred
    ///     first. A client offering none of them connects without a protocol.
    /// - Throws: `GreenNetError.tlsFailed` if a PEM cannot be parsed or they do not match;
    ///   `.invalidArgument` for a protocol name that is empty or longer than 255 bytes.
    public static func server(
        certificateChainPEM: String,
        privateKeyPEM: String,
        clientCertificates: ClientCertificateVerification = .none,
        applicationProtocols: [String] = []
    ) throws -> GreenTLSConfiguration {
        let (chain, key) = try identity(certificateChainPEM: certificateChainPEM, privateKeyPEM: privateKeyPEM, what: "server")
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        switch clientCertificates {
        case .none:
            break
        case .optional(let trustRootsPEM):
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .certificates(try certificates(fromPEM: trustRootsPEM, what: "client trust roots"))
        case .required(let trustRootsPEM):
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try certificates(fromPEM: trustRootsPEM, what: "client trust roots"))
        }
        configuration.applicationProtocols = try checked(applicationProtocols)
        return try GreenTLSConfiguration(configuration, isClient: false)
    }

    // MARK: Parsing

    private static func certificates(fromPEM pem: String, what: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw GreenNetError(.tlsFailed, "the \(what) are not valid PEM certificates", underlying: error)
        }
        guard !certificates.isEmpty else {
            throw GreenNetError(.tlsFailed, "the \(what) hold no PEM certificate")
        }
        return certificates
    }

    private static func identity(
        certificateChainPEM: String,
        privateKeyPEM: String,
        what: String
    ) throws -> (chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource) {
        let chain = try certificates(fromPEM: certificateChainPEM, what: "\(what) certificate chain")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw GreenNetError(.tlsFailed, "the \(what) private key is not valid PEM", underlying: error)
        }
        return (chain.map { .certificate($0) }, .privateKey(key))
    }

    private static func checked(_ protocols: [String]) throws -> [String] {
        if let bad = protocols.first(where: { $0.utf8.isEmpty || $0.utf8.count > 255 }) {
            throw GreenNetError(.invalidArgument, "an application protocol name must be 1 to 255 bytes, not \(bad.debugDescription)")
        }
        return protocols
    }

    // MARK: Handlers

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
