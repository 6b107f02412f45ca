extension GreenTLSConfiguration {
    /// Whether a TLS server asks its clients for certificates, and which certificates it
    /// trusts to sign them (mutual TLS) — a server `SSLContext`'s `verify_mode` with
    /// `load_verify_locations(cadata=...)`.
    ///
    /// A client that is refused learns of it from the server's alert: with TLS 1.3 that
    /// comes after its own handshake has completed, so its first read fails
    /// (`GreenNetError.connectionClosed`, the TLS alert as the underlying error).
    public enum ClientCertificateVerification: Sendable {
        /// Clients are not asked for a certificate — `ssl.CERT_NONE` (the default).
        case none
        /// Clients may present a certificate; one that is presented must chain to
        /// `trustRootsPEM` — `ssl.CERT_OPTIONAL`.
        case optional(trustRootsPEM: String)
        /// Clients must present a certificate that chains to `trustRootsPEM`, or the
        /// handshake fails — `ssl.CERT_REQUIRED`. Host names are not checked.
        case required(trustRootsPEM: String)
    }
}
