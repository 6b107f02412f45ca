import Crypto
import Multiprocessing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The challenge and response that open every connection, in both directions (Python's
/// `deliver_challenge` and `answer_challenge`, folded into three messages):
///
/// 1. listener → client: `WEAVE-CONNECTION/1`, a mode byte (0: no key, 1: HMAC-SHA256),
///    and in mode 1 a 32-byte random challenge.
/// 2. client → listener (mode 1): HMAC(key, "client" + challenge), then its own 32-byte
///    challenge.
/// 3. listener → client: `FAILURE`, or `WELCOME` + HMAC(key, "server" + client challenge).
///
/// The role names inside the MACs stop a digest from being reflected back. Digests are
/// checked with `HMAC.isValidAuthenticationCode`, which compares in constant time. Every
/// handshake frame is at most `frameLimit` bytes, checked before anything is allocated, and
/// each read and write waits at most the handshake timeout (`SO_RCVTIMEO`, `SO_SNDTIMEO`).
enum Handshake {
    static let magic = Array("WEAVE-CONNECTION/1".utf8)
    static let welcome = Array("WELCOME".utf8)
    static let failure = Array("FAILURE".utf8)
    static let frameLimit = 256
    private static let challengeSize = 32

    /// Runs the listener's side on a freshly accepted connection.
    /// - Throws: ``ConnectionError`` for a client that fails, stalls or talks garbage.
    static func serve(_ connection: ProcessConnection, key: AuthenticationKey?, timeout: Double) throws {
        try bounded(connection, timeout: timeout) {
            guard let key else {
                try connection.sendBytes(magic + [0])
                return
            }
            let challenge = randomBytes()
            try connection.sendBytes(magic + [1] + challenge)
            let answer = try connection.receiveBytes()
            guard answer.count == 2 * challengeSize else {
                throw ConnectionError(.malformedHandshake, context: "expected a \(2 * challengeSize)-byte answer, got \(answer.count) bytes")
            }
            guard isValid(answer[0..<challengeSize], role: "client", challenge: challenge, key: key) else {
                try? connection.sendBytes(failure)
                throw ConnectionError(.authenticationFailed, context: "the client's digest does not match our key")
            }
            let proof = digest(role: "server", challenge: answer[challengeSize...], key: key)
            try connection.sendBytes(welcome + proof)
        }
    }

    /// Runs the client's side on a freshly connected socket.
    /// - Throws: ``ConnectionError`` when the listener rejects the key, cannot prove it holds
    ///   it, stalls or talks garbage.
    static func join(_ connection: ProcessConnection, key: AuthenticationKey?, timeout: Double) throws {
        try bounded(connection, timeout: timeout) {
            let hello = try connection.receiveBytes()
            guard hello.count >= magic.count + 1, hello.starts(with: magic) else {
                throw ConnectionError(.malformedHandshake, context: "the listener's greeting is not Weave's")
            }
            let mode = hello[magic.count]
            switch (mode, key) {
            case (0, nil):
                return
            case (0, .some):
                throw ConnectionError(.authenticationNotOffered)
            case (1, nil):
                throw ConnectionError(.authenticationRequired)
            case (1, .some(let key)):
                let challenge = hello[(magic.count + 1)...]
                guard challenge.count == challengeSize else {
                    throw ConnectionError(.malformedHandshake, context: "a challenge of \(challenge.count) bytes")
                }
                let ours = randomBytes()
                try connection.sendBytes(digest(role: "client", challenge: challenge, key: key) + ours)
                let verdict = try connection.receiveBytes()
                if verdict == failure { throw ConnectionError(.peerNotAuthenticated) }
                guard verdict.starts(with: welcome), verdict.count == welcome.count + challengeSize else {
                    throw ConnectionError(.malformedHandshake, context: "the listener's verdict is not Weave's")
                }
                guard isValid(verdict[welcome.count...], role: "server", challenge: ours, key: key) else {
                    throw ConnectionError(.authenticationFailed, context: "the listener's digest does not match our key")
                }
            default:
                throw ConnectionError(.malformedHandshake, context: "unknown authentication mode \(mode)")
            }
        }
    }

    /// Runs `body` with the handshake's frame limit and timeouts in force, turning socket
    /// failures into ``ConnectionError``s, and restores the connection's limit afterwards.
    private static func bounded(_ connection: ProcessConnection, timeout: Double, _ body: () throws -> Void) throws {
        let limit = connection.maximumMessageSize
        connection.maximumMessageSize = frameLimit
        Syscalls.setTimeouts(connection.descriptor, receive: timeout, send: timeout)
        defer {
            connection.maximumMessageSize = limit
            Syscalls.setTimeouts(connection.descriptor, receive: nil, send: nil)
        }
        do {
            try body()
        } catch let error as MultiprocessingError {
            throw translate(error, timeout: timeout)
        }
    }

    private static func translate(_ error: MultiprocessingError, timeout: Double) -> ConnectionError {
        if error.errno == EAGAIN || error.errno == EWOULDBLOCK {
            return ConnectionError(.handshakeTimedOut, context: "nothing for \(timeout) s")
        }
        switch error.code {
        case .invalidArgument:
            return ConnectionError(.frameTooLarge, context: "during the handshake, where frames are at most \(frameLimit) bytes: \(error.context)")
        case .endOfStream, .truncatedMessage:
            return ConnectionError(.malformedHandshake, context: "the other end closed during the handshake")
        default:
            return ConnectionError(.malformedHandshake, context: error.description)
        }
    }

    private static func randomBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    private static func digest(role: String, challenge: ArraySlice<UInt8>, key: AuthenticationKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(role.utf8) + challenge, using: key.symmetricKey))
    }

    private static func digest(role: String, challenge: [UInt8], key: AuthenticationKey) -> [UInt8] {
        digest(role: role, challenge: challenge[...], key: key)
    }

    private static func isValid(_ answer: ArraySlice<UInt8>, role: String, challenge: [UInt8], key: AuthenticationKey) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(Array(answer), authenticating: Array(role.utf8) + challenge, using: key.symmetricKey)
    }
}
