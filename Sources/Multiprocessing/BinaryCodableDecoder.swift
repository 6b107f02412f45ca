/// Decodes values written by ``BinaryCodableEncoder``.
///
/// Malformed input — truncated, oversized, wrongly tagged, too deeply nested or with
/// trailing bytes — throws `DecodingError.dataCorrupted` or `.typeMismatch`; it never
/// crashes and never allocates more than the input can justify.
public struct BinaryCodableDecoder: Sendable {
    /// The deepest nesting of containers accepted, which bounds the decoder's stack.
    public var maximumDepth: Int

    /// Creates a decoder.
    public init(maximumDepth: Int = 256) {
        self.maximumDepth = maximumDepth
    }

    /// Decodes a `Value` from `bytes`.
    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// Decodes a `Value` from raw memory, such as a message still in a shared buffer.
    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: UnsafeRawBufferPointer) throws -> Value {
        var reader = NodeReader(bytes: bytes, maximumDepth: maximumDepth)
        let root = try reader.readNode(depth: 0)
        guard reader.offset == bytes.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(bytes.count - reader.offset) trailing bytes"))
        }
        if let fast = root.fastValue(as: type) { return fast }
        return try Value(from: NodeDecoder(node: root, codingPath: []))
    }
}

/// A parsed value.
indirect enum DecodedNode {
    case null, bool(Bool), signed(Int64), unsigned(UInt64), float(Float), double(Double)
    case string(String), bytes([UInt8]), integers([Int]), doubles([Double])
    case unkeyed([DecodedNode]), keyed([String: DecodedNode])

    /// The plain-copy path matching `EncodedNode.fastPath`.
    func fastValue<Value>(as type: Value.Type) -> Value? {
        switch self {
        case .bytes(let bytes): exactly(bytes, as: type)
        case .integers(let numbers): exactly(numbers, as: type)
        case .doubles(let numbers): exactly(numbers, as: type)
        case .signed(let number): Int(exactly: number).flatMap { exactly($0, as: type) }
        case .string(let text): exactly(text, as: type)
        case .double(let number): exactly(number, as: type)
        default: nil
        }
    }

    var kindName: String {
        switch self {
        case .null: "nil"
        case .bool: "a Bool"
        case .signed, .unsigned: "an integer"
        case .float, .double: "a floating-point number"
        case .string: "a String"
        case .bytes: "bytes"
        case .integers: "an array of Int"
        case .doubles: "an array of Double"
        case .unkeyed: "an unkeyed container"
        case .keyed: "a keyed container"
        }
    }
}

/// Parses the wire format, checking every length against the bytes left.
struct NodeReader {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func corrupted(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "\(message) at byte \(offset)"))
    }

    mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw corrupted("unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64, shift < 63 || byte <= 1 else { throw corrupted("varint too long") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A length or count, which may not exceed the bytes left (every item takes a byte).
    mutating func readLength() throws -> Int {
        let value = try readVarint()
        guard value <= UInt64(bytes.count - offset) else { throw corrupted("length \(value) exceeds the data") }
        return Int(value)
    }

    /// A count of `size`-byte items, which may not exceed the bytes left.
    mutating func readCount(ofSize size: Int) throws -> Int {
        let value = try readVarint()
        guard value <= UInt64((bytes.count - offset) / size) else { throw corrupted("\(value) items of \(size) bytes exceed the data") }
        return Int(value)
    }

    mutating func readRaw(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count <= bytes.count - offset else { throw corrupted("unexpected end of data") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func readFixed64() throws -> UInt64 {
        var value: UInt64 = 0
        let raw = try readRaw(8)
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        return UInt64(littleEndian: value)
    }

    mutating func readFixed32() throws -> UInt32 {
        var value: UInt32 = 0
        let raw = try readRaw(4)
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        return UInt32(littleEndian: value)
    }

    mutating func readString() throws -> String {
        String(decoding: try readRaw(try readLength()), as: UTF8.self)
    }

    mutating func readNode(depth: Int) throws -> DecodedNode {
        guard depth <= maximumDepth else { throw corrupted("nesting deeper than \(maximumDepth)") }
        let tagByte = try readByte()
        guard let tag = BinaryCodableTag(rawValue: tagByte) else { throw corrupted("unknown tag \(tagByte)") }
        switch tag {
        case .null: return .null
        case .falseValue: return .bool(false)
        case .trueValue: return .bool(true)
        case .signed:
            let zigzag = try readVarint()
            return .signed(Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1))
        case .unsigned: return .unsigned(try readVarint())
        case .float: return .float(Float(bitPattern: try readFixed32()))
        case .double: return .double(Double(bitPattern: try readFixed64()))
        case .string: return .string(try readString())
        case .bytes: return .bytes(Array(try readRaw(try readLength())))
        case .integers:
            let count = try readCount(ofSize: 8)
            return .integers([Int](littleEndianBytes: try readRaw(8 * count), count: count))
        case .doubles:
            let count = try readCount(ofSize: 8)
            let patterns = [UInt64](littleEndianBytes: try readRaw(8 * count), count: count)
            return .doubles(patterns.map(Double.init(bitPattern:)))
        case .unkeyed:
            let count = try readLength()
            var items: [DecodedNode] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try readNode(depth: depth + 1)) }
            return .unkeyed(items)
        case .keyed:
            let count = try readLength()
            var entries: [String: DecodedNode] = [:]
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = try readString()
                entries[key] = try readNode(depth: depth + 1)
            }
            return .keyed(entries)
        }
    }
}

// MARK: - Decoder

struct NodeDecoder: Decoder {
    let node: DecodedNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch<Expected>(_ type: Expected.Type, _ found: DecodedNode) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(found.kindName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .keyed(let entries) = node else { throw mismatch([String: Any].self, node) }
        return KeyedDecodingContainer(KeyedNodeDecoder<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch node {
        case .unkeyed(let items): return UnkeyedNodeDecoder(items: items, codingPath: codingPath)
        case .integers(let numbers): return UnkeyedNodeDecoder(items: numbers.map { .signed(Int64($0)) }, codingPath: codingPath)
        case .doubles(let numbers): return UnkeyedNodeDecoder(items: numbers.map { .double($0) }, codingPath: codingPath)
        default: throw mismatch([Any].self, node)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueNodeDecoder(decoder: self)
    }

    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        if let fast = node.fastValue(as: type) { return fast }
        return try Value(from: self)
    }

    func integer<Number: FixedWidthInteger>(_ type: Number.Type) throws -> Number {
        let value: Number?
        switch node {
        case .signed(let number): value = Number(exactly: number)
        case .unsigned(let number): value = Number(exactly: number)
        default: throw mismatch(type, node)
        }
        guard let value else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number does not fit \(type)"))
        }
        return value
    }
}

struct SingleValueNodeDecoder: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.node { return true }
        return false
    }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = decoder.node else { throw decoder.mismatch(type, decoder.node) }
        return flag
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = decoder.node else { throw decoder.mismatch(type, decoder.node) }
        return text
    }
    func decode(_ type: Double.Type) throws -> Double {
        switch decoder.node {
        case .double(let number): return number
        case .float(let number): return Double(number)
        default: throw decoder.mismatch(type, decoder.node)
        }
    }
    func decode(_ type: Float.Type) throws -> Float {
        switch decoder.node {
        case .float(let number): return number
        case .double(let number): return Float(number)
        default: throw decoder.mismatch(type, decoder.node)
        }
    }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type) }
    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value { try decoder.decodeValue(type) }
}

struct UnkeyedNodeDecoder: UnkeyedDecodingContainer {
    let items: [DecodedNode]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(items: [DecodedNode], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "unkeyed container has only \(items.count) values"))
        }
        defer { currentIndex += 1 }
        return NodeDecoder(node: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try next().decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try next()
    }
}

struct KeyedNodeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [String: DecodedNode]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func decoder(for key: Key) throws -> NodeDecoder {
        guard let node = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
        }
        return NodeDecoder(node: node, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try decoder(for: key).node { return true }
        return false
    }

    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        try decoder(for: key).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(node: entries["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        NodeDecoder(node: entries[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}
