import Crypto

/// The shared secret both ends of an authenticated connection hold (Python's `authkey`).
///
/// A connection proves it holds the key without sending it: each side sends a random
/// challenge, and the other answers with its HMAC-SHA256 under the key (swift-crypto's
/// `HMAC<SHA256>`), compared in constant time.
public struct AuthenticationKey: Sendable, Hashable {
    /// The key's bytes.
    public let bytes: [UInt8]

    /// A key made of `bytes`.
    /// - Precondition: `bytes` is not empty (an empty key proves nothing; pass `nil` as the
    ///   key to turn authentication off instead).
    public init(_ bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "an AuthenticationKey needs at least one byte; use nil for no authentication")
        self.bytes = bytes
    }

    /// A key made of the UTF-8 bytes of `text` (Python's `authkey=b'secret'`).
    /// - Precondition: `text` is not empty.
    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// A new random 32-byte key, as a Python `Manager` makes for its process tree.
    public static func random() -> AuthenticationKey {
        AuthenticationKey(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }
}
