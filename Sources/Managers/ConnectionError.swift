/// Why a ``ConnectionListener`` or ``ConnectionClient`` could not set up a connection.
///
/// The set of codes can grow; switch over `code` with a `default` branch. Failures of the
/// socket itself (nothing listening, a full descriptor table) are ``/Multiprocessing/MultiprocessingError``s
/// with `.systemCallFailed`; a connection's messages fail as ``/Multiprocessing/ProcessConnection``'s do.
public struct ConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case authenticationFailed, peerNotAuthenticated, authenticationRequired, authenticationNotOffered
            case handshakeTimedOut, malformedHandshake, frameTooLarge
        }
        private let kind: Kind

        /// The other end answered the challenge with the wrong digest: it holds another key
        /// (or none). Give both ends the same ``AuthenticationKey``.
        public static let authenticationFailed = Code(kind: .authenticationFailed)
        /// The listener rejected this client's answer (the listener said `FAILURE`), so the
        /// two ends hold different keys. Use the key the listener (the manager) was made with.
        public static let peerNotAuthenticated = Code(kind: .peerNotAuthenticated)
        /// The listener asks for a key and this client has none. Pass the listener's key.
        public static let authenticationRequired = Code(kind: .authenticationRequired)
        /// This client holds a key but the listener does not authenticate, so it cannot prove
        /// who it is. Give the listener the key too, or connect without one.
        public static let authenticationNotOffered = Code(kind: .authenticationNotOffered)
        /// The other end did not finish the handshake in time (it connected and said nothing,
        /// or stopped half-way). Check that it speaks this protocol, or raise the timeout.
        public static let handshakeTimedOut = Code(kind: .handshakeTimedOut)
        /// The other end sent something that is not this protocol's handshake (garbage, or
        /// another program's protocol), or closed in the middle of it. Connect to a Weave
        /// listener.
        public static let malformedHandshake = Code(kind: .malformedHandshake)
        /// The other end announced a frame over the size limit; it was refused before any
        /// memory was allocated for it. Send smaller messages or raise the limit.
        public static let frameTooLarge = Code(kind: .frameTooLarge)

        public var description: String {
            switch kind {
            case .authenticationFailed: "the other end does not hold our authentication key; give both ends the same key"
            case .peerNotAuthenticated: "the listener rejected our authentication key; use the listener's key"
            case .authenticationRequired: "the listener requires an authentication key; pass its key"
            case .authenticationNotOffered: "the listener does not authenticate but this end holds a key; give both ends the key or neither"
            case .handshakeTimedOut: "the other end did not finish the handshake in time"
            case .malformedHandshake: "the other end does not speak Weave's connection handshake"
            case .frameTooLarge: "the other end announced a frame over the size limit; it was refused"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Which connection, and what exactly happened.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }

    public var description: String {
        context.isEmpty ? "ConnectionError: \(code)" : "ConnectionError: \(code) (\(context))"
    }
}
