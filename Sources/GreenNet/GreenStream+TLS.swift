import NIOSSL

extension GreenStream {
    /// The certificate the peer presented in the TLS handshake — `SSLSocket.getpeercert()`:
    /// the server's, for a client; the client's, for a server that asked for one (see
    /// ``GreenTLSConfiguration/ClientCertificateVerification``).
    ///
    /// `nil` without TLS, when the peer presented none, and before the handshake has
    /// completed: a client's ``connect(host:port:timeout:tls:)-(_,_,Double?,_)`` returns after it, while an
    /// accepted server connection completes it during its first `receive` or `readLine`.
    /// Call on the hub's thread.
    public var peerCertificate: NIOSSLCertificate? {
        guard handler.handshakeDone else { return nil }
        return try? channel.pipeline.syncOperations.nioSSL_peerCertificate()
    }
}
