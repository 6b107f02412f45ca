/// A green network operation failed — the counterpart of Python's `socket.error` /
/// `OSError`, `socket.timeout` and `ssl.SSLError` for Weave's sockets, servers and HTTP.
///
/// The set of codes can grow; switch over `code` with a `default` case.
public struct GreenNetError: Error, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The connection is closed (by this side, or the peer closed or reset it). Open a
        /// new connection.
        public static let connectionClosed = Code(1)
        /// The peer closed its side before the requested bytes arrived (`receive(exactly:)`,
        /// `readLine`). The bytes that did arrive are in the message's count; treat the
        /// stream as truncated.
        public static let unexpectedEOF = Code(2)
        /// A line was longer than the allowed maximum. Raise `maxLength`, or read the data
        /// with `receive(upTo:)`.
        public static let lineTooLong = Code(3)
        /// An argument was out of range (a negative count, an empty host, a bad port or
        /// URL). Fix the call.
        public static let invalidArgument = Code(4)
        /// Connecting failed (refused, unreachable, name not found). Check the address and
        /// that the server runs.
        public static let connectFailed = Code(5)
        /// Binding or listening failed (address in use, no permission). Pick another port
        /// or stop the other listener.
        public static let bindFailed = Code(6)
        /// The server is stopped or stopping and accepts no more connections.
        public static let serverStopped = Code(7)
        /// A TLS handshake or certificate check failed. Check the certificate, the host
        /// name and the trust roots; turn verification off only explicitly, for tests.
        public static let tlsFailed = Code(8)
        /// An HTTP request or response was malformed or exceeded a limit.
        public static let httpProtocol = Code(9)
        /// A subprocess could not be started or failed.
        public static let subprocessFailed = Code(10)
        /// A file operation failed.
        public static let fileFailed = Code(11)
        /// The object belongs to another thread's hub. Make one per thread, or hand the work
        /// to its hub with a ``/GreenHub/HubRemote``.
        public static let wrongThread = Code(12)
        /// A host name could not be resolved. Check the name and the DNS settings.
        public static let nameResolutionFailed = Code(13)
        /// Joining or leaving a multicast group, or setting a multicast option, failed:
        /// the interface address is not this host's, the group is joined already (or was
        /// not), or the group's address family differs from the socket's. Check the group
        /// and interface addresses and the address the socket is bound to.
        public static let multicastFailed = Code(14)

        public var description: String {
            switch self {
            case .connectionClosed: "connectionClosed"
            case .unexpectedEOF: "unexpectedEOF"
            case .lineTooLong: "lineTooLong"
            case .invalidArgument: "invalidArgument"
            case .connectFailed: "connectFailed"
            case .bindFailed: "bindFailed"
            case .serverStopped: "serverStopped"
            case .tlsFailed: "tlsFailed"
            case .httpProtocol: "httpProtocol"
            case .subprocessFailed: "subprocessFailed"
            case .fileFailed: "fileFailed"
            case .wrongThread: "wrongThread"
            case .nameResolutionFailed: "nameResolutionFailed"
            default: "multicastFailed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do.
    public var message: String
    /// The underlying error (a NIO `IOError`, an `NIOSSLError`), when there is one.
    public var underlying: (any Error)?

    init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying {
            return "GreenNetError.\(code): \(message) (\(underlying))"
        }
        return "GreenNetError.\(code): \(message)"
    }
}
