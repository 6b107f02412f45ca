/// Header field names compare without regard to ASCII case (RFC 9110, section 5.1). These
/// helpers compare in place, byte by byte, so that looking a field up on every request
/// allocates nothing.
extension String {
    /// Whether this string and `other` are the same header field name (or token), ASCII
    /// case aside.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8) { Self.asciiLowercased($0) == Self.asciiLowercased($1) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}

extension Array where Element == (name: String, value: String) {
    /// The first value of the field `name`, ASCII case aside.
    func firstValue(named name: String) -> String? {
        first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}
