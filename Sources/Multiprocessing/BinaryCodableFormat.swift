/// The wire format of `BinaryCodableEncoder` and `BinaryCodableDecoder`: a compact,
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
///
/// Keys travel with keyed values, so any `Codable` type round-trips whatever order it
/// encodes and decodes its fields in, and optional fields may be absent.
enum BinaryCodableTag: UInt8 {
    case null = 0, falseValue, trueValue, signed, unsigned, float, double, string, bytes, unkeyed, keyed
}
