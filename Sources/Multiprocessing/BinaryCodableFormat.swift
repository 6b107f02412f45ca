/// The wire format of ``BinaryCodableEncoder`` and ``BinaryCodableDecoder``: a compact,
/// self-describing binary encoding of `Codable` values.
///
/// Every value starts with a one-byte tag:
///
/// | tag | value | payload |
/// |---|---|---|
/// | 0 | nil | none |
/// | 1, 2 | false, true | none |
/// | 3 | signed integer | zig-zag LEB128 varint |
/// | 4 | unsigned integer | LEB128 varint |
/// | 5 | Float | 4 bytes, little-endian |
/// | 6 | Double | 8 bytes, little-endian |
/// | 7 | String | varint length, UTF-8 |
/// | 8 | bytes (`[UInt8]`) | varint length, raw bytes: a plain copy |
/// | 9 | unkeyed container | varint count, values |
/// | 10 | keyed container | varint count, then per entry: varint length, UTF-8 key, value |
/// | 11 | `[Int]` | varint count, 8 bytes little-endian each: a plain copy |
/// | 12 | `[Double]` | varint count, 8 bytes little-endian each: a plain copy |
///
/// Keys travel with keyed values, so any `Codable` type round-trips whatever order it
/// encodes and decodes its fields in, and optional fields may be absent.
enum BinaryCodableTag: UInt8 {
    case null = 0, falseValue, trueValue, signed, unsigned, float, double, string, bytes, unkeyed, keyed
    case integers, doubles
}

/// Arrays of 8-byte numbers travel as plain copies of their storage on little-endian
/// machines (every platform Weave runs on), element by element elsewhere.
extension Array where Element: FixedWidthInteger {
    /// Appends the elements' little-endian bytes to `output`.
    func appendLittleEndianBytes(to output: inout [UInt8]) {
        #if _endian(little)
        withUnsafeBytes { output.append(contentsOf: $0) }
        #else
        for element in self { withUnsafeBytes(of: element.littleEndian) { output.append(contentsOf: $0) } }
        #endif
    }

    /// The `count` elements whose little-endian bytes are `raw`.
    init(littleEndianBytes raw: UnsafeRawBufferPointer, count: Int) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            #if !_endian(little)
            for index in 0..<count { buffer[index] = Element(littleEndian: buffer[index]) }
            #endif
            initialized = count
        }
    }
}

/// `value` as a `Target` when `Value` is exactly `Target`, nil otherwise: a comparison of
/// two metatypes, where `value as? Target` on an unspecialized `Value` runs the runtime's
/// dynamic cast (and for arrays, its element-by-element array cast).
@inline(__always)
func exactly<Value, Target>(_ value: Value, as _: Target.Type) -> Target? {
    guard Value.self == Target.self else { return nil }
    return unsafeBitCast(value, to: Target.self)
}
