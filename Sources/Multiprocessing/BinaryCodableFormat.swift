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

/// How an array of `Int`, `Double` or `UInt8` travels: its tag, then its element count, then
/// a plain copy of its storage, `stride` bytes an element (little-endian machines only).
/// A pool reads and writes such arrays in place, element by element, without making them.
struct PlainArrayLayout: Sendable {
    let tag: BinaryCodableTag
    let stride: Int

    /// The layout of `[Element]`, nil when its elements do not travel as plain copies.
    init?<Element>(of _: Element.Type) {
        #if _endian(little)
        if Element.self == Int.self {
            (tag, stride) = (.integers, 8)
        } else if Element.self == Double.self {
            (tag, stride) = (.doubles, 8)
        } else if Element.self == UInt8.self {
            (tag, stride) = (.bytes, 1)
        } else {
            return nil
        }
        #else
        return nil
        #endif
    }

    /// Appends the tag and element count of an array of `count` elements to `output`; the
    /// elements' bytes are to follow.
    func appendHeader(count: Int, to output: inout [UInt8]) {
        output.append(tag.rawValue)
        EncodedNode.writeVarint(UInt64(count), into: &output)
    }

    /// The element count and element bytes of the array that is exactly `bytes`, nil when
    /// `bytes` hold anything else.
    func elements(in bytes: UnsafeRawBufferPointer) -> (count: Int, raw: UnsafeRawBufferPointer)? {
        var reader = NodeReader(bytes: bytes, maximumDepth: 0)
        guard (try? reader.readByte()) == tag.rawValue, let count = try? reader.readCount(ofSize: stride),
            count * stride == bytes.count - reader.offset
        else { return nil }
        return (count, UnsafeRawBufferPointer(rebasing: bytes[reader.offset...]))
    }
}
