import NIOCore
import NIOPosix
import NIOSSL

extension GreenNetError {
    /// Whether `error` comes from the transport (a socket, the resolver, TLS) rather than
    /// from the greenlet being interrupted (a kill, a scoped timeout), which must pass
    /// through unchanged.
    static func isTransport(_ error: any Error) -> Bool {
        error is ChannelError || error is IOError || error is NIOConnectionError
            || error is SocketAddressError || error is NIOSSLError || error is BoringSSLError
            || error is NIOSSLExtraError || error is ChannelPipelineError
    }

    /// Whether `error` comes from TLS.
    static func isTLS(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }
}
