/// Encodes `Encodable` values into Weave's compact binary format (see
/// `BinaryCodableTag` for the layout). Queues, pipes and spawn arguments use it; it is
/// public for code that wants the same bytes.
///
/// Integers are varints, strings and `[UInt8]` are length-prefixed plain copies, and
/// keyed containers carry their keys.
public struct BinaryCodableEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Encodes `value`.
    /// - Throws: `EncodingError` when the value's `encode(to:)` throws.
    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        var output: [UInt8] = []
        try encode(value, into: &output)
        return output
    }

    /// Appends the encoding of `value` to `output`.
    public func encode<Value: Encodable>(_ value: Value, into output: inout [UInt8]) throws {
        if let fast = EncodedNode.fastPath(value) {
            fast.write(into: &output)
            return
        }
        let root = EncodedNode()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        output.reserveCapacity(output.count + root.estimatedSize)
        root.write(into: &output)
    }
}

/// One encoded value, built as a tree so containers may be filled in any order.
final class EncodedNode {
    enum Content {
        case null, bool(Bool), signed(Int64), unsigned(UInt64), float(Float), double(Double)
        case string(String), bytes([UInt8]), integers([Int]), doubles([Double])
        case unkeyed([EncodedNode]), keyed([(String, EncodedNode)])
    }

    var content: Content = .null

    init(_ content: Content = .null) {
        self.content = content
    }

    /// The plain-copy path for byte arrays and the most common scalars, taken without
    /// building an encoder.
    ///
    /// It tells the types apart by their metatypes: a dynamic cast such as `as? [UInt8]`
    /// on an unspecialized `Value` walks the runtime's array-cast machinery, which cost a
    /// pool's thread a fifth of its time per tiny task.
    static func fastPath<Value>(_ value: Value) -> EncodedNode? {
        if let bytes = exactly(value, as: [UInt8].self) { return EncodedNode(.bytes(bytes)) }
        if let numbers = exactly(value, as: [Int].self) { return EncodedNode(.integers(numbers)) }
        if let numbers = exactly(value, as: [Double].self) { return EncodedNode(.doubles(numbers)) }
        if let number = exactly(value, as: Int.self) { return EncodedNode(.signed(Int64(number))) }
        if let text = exactly(value, as: String.self) { return EncodedNode(.string(text)) }
        if let number = exactly(value, as: Double.self) { return EncodedNode(.double(number)) }
        return nil
    }

    var estimatedSize: Int {
        switch content {
        case .string(let text): 10 + text.utf8.count
        case .bytes(let bytes): 10 + bytes.count
        case .integers(let numbers): 10 + 8 * numbers.count
        case .doubles(let numbers): 10 + 8 * numbers.count
        case .unkeyed(let items): 10 + items.reduce(0) { $0 + $1.estimatedSize }
        case .keyed(let entries): 10 + entries.reduce(0) { $0 + 10 + $1.0.utf8.count + $1.1.estimatedSize }
        default: 10
        }
    }

    func write(into output: inout [UInt8]) {
        switch content {
        case .null: output.append(BinaryCodableTag.null.rawValue)
        case .bool(let flag): output.append((flag ? BinaryCodableTag.trueValue : .falseValue).rawValue)
        case .signed(let number):
            output.append(BinaryCodableTag.signed.rawValue)
            Self.writeVarint(UInt64(bitPattern: (number << 1) ^ (number >> 63)), into: &output)
        case .unsigned(let number):
            output.append(BinaryCodableTag.unsigned.rawValue)
            Self.writeVarint(number, into: &output)
        case .float(let number):
            output.append(BinaryCodableTag.float.rawValue)
            withUnsafeBytes(of: number.bitPattern.littleEndian) { output.append(contentsOf: $0) }
        case .double(let number):
            output.append(BinaryCodableTag.double.rawValue)
            withUnsafeBytes(of: number.bitPattern.littleEndian) { output.append(contentsOf: $0) }
        case .string(let text):
            output.append(BinaryCodableTag.string.rawValue)
            Self.writeVarint(UInt64(text.utf8.count), into: &output)
            output.append(contentsOf: text.utf8)
        case .bytes(let bytes):
            output.append(BinaryCodableTag.bytes.rawValue)
            Self.writeVarint(UInt64(bytes.count), into: &output)
            output.append(contentsOf: bytes)
        case .integers(let numbers):
            output.append(BinaryCodableTag.integers.rawValue)
            Self.writeVarint(UInt64(numbers.count), into: &output)
            numbers.appendLittleEndianBytes(to: &output)
        case .doubles(let numbers):
            output.append(BinaryCodableTag.doubles.rawValue)
            Self.writeVarint(UInt64(numbers.count), into: &output)
            numbers.map(\.bitPattern).appendLittleEndianBytes(to: &output)
        case .unkeyed(let items):
            output.append(BinaryCodableTag.unkeyed.rawValue)
            Self.writeVarint(UInt64(items.count), into: &output)
            for item in items { item.write(into: &output) }
        case .keyed(let entries):
            output.append(BinaryCodableTag.keyed.rawValue)
            Self.writeVarint(UInt64(entries.count), into: &output)
            for (key, item) in entries {
                Self.writeVarint(UInt64(key.utf8.count), into: &output)
                output.append(contentsOf: key.utf8)
                item.write(into: &output)
            }
        }
    }

    static func writeVarint(_ value: UInt64, into output: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        output.append(UInt8(rest))
    }
}

// MARK: - Encoder

struct NodeEncoder: Encoder {
    let node: EncodedNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .keyed = node.content {} else { node.content = .keyed([]) }
        return KeyedEncodingContainer(KeyedNodeEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = node.content {} else { node.content = .unkeyed([]) }
        return UnkeyedNodeEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueNodeEncoder(node: node, codingPath: codingPath)
    }

    /// Encodes `value` into `node`, taking the plain-copy path when there is one.
    static func encode<Value: Encodable>(_ value: Value, into node: EncodedNode, codingPath: [any CodingKey]) throws {
        if let fast = EncodedNode.fastPath(value) {
            node.content = fast.content
        } else {
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        }
    }
}

struct SingleValueNodeEncoder: SingleValueEncodingContainer {
    let node: EncodedNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .null }
    mutating func encode(_ value: Bool) throws { node.content = .bool(value) }
    mutating func encode(_ value: String) throws { node.content = .string(value) }
    mutating func encode(_ value: Double) throws { node.content = .double(value) }
    mutating func encode(_ value: Float) throws { node.content = .float(value) }
    mutating func encode(_ value: Int) throws { node.content = .signed(Int64(value)) }
    mutating func encode(_ value: Int8) throws { node.content = .signed(Int64(value)) }
    mutating func encode(_ value: Int16) throws { node.content = .signed(Int64(value)) }
    mutating func encode(_ value: Int32) throws { node.content = .signed(Int64(value)) }
    mutating func encode(_ value: Int64) throws { node.content = .signed(value) }
    mutating func encode(_ value: UInt) throws { node.content = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { node.content = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { node.content = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { node.content = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { node.content = .unsigned(value) }
    mutating func encode<Value: Encodable>(_ value: Value) throws {
        try NodeEncoder.encode(value, into: node, codingPath: codingPath)
    }
}

struct UnkeyedNodeEncoder: UnkeyedEncodingContainer {
    let node: EncodedNode
    let codingPath: [any CodingKey]

    var count: Int {
        if case .unkeyed(let items) = node.content { return items.count }
        return 0
    }

    private func append(_ child: EncodedNode) {
        guard case .unkeyed(var items) = node.content else { return }
        node.content = .null
        items.append(child)
        node.content = .unkeyed(items)
    }

    mutating func encodeNil() throws { append(EncodedNode(.null)) }
    mutating func encode(_ value: Bool) throws { append(EncodedNode(.bool(value))) }
    mutating func encode(_ value: String) throws { append(EncodedNode(.string(value))) }
    mutating func encode(_ value: Double) throws { append(EncodedNode(.double(value))) }
    mutating func encode(_ value: Float) throws { append(EncodedNode(.float(value))) }
    mutating func encode(_ value: Int) throws { append(EncodedNode(.signed(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { append(EncodedNode(.signed(value))) }
    mutating func encode(_ value: UInt8) throws { append(EncodedNode(.unsigned(UInt64(value)))) }
    mutating func encode(_ value: UInt64) throws { append(EncodedNode(.unsigned(value))) }
    mutating func encode<Value: Encodable>(_ value: Value) throws {
        let child = EncodedNode()
        try NodeEncoder.encode(value, into: child, codingPath: codingPath + [IndexKey(count)])
        append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodedNode(.keyed([]))
        append(child)
        return KeyedEncodingContainer(KeyedNodeEncoder<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodedNode(.unkeyed([]))
        append(child)
        return UnkeyedNodeEncoder(node: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodedNode()
        append(child)
        return NodeEncoder(node: child, codingPath: codingPath)
    }
}

struct KeyedNodeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodedNode
    let codingPath: [any CodingKey]

    private func child(for key: String) -> EncodedNode {
        guard case .keyed(var entries) = node.content else { return EncodedNode() }
        if let existing = entries.first(where: { $0.0 == key }) { return existing.1 }
        let created = EncodedNode()
        node.content = .null
        entries.append((key, created))
        node.content = .keyed(entries)
        return created
    }

    mutating func encodeNil(forKey key: Key) throws { child(for: key.stringValue).content = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { child(for: key.stringValue).content = .bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { child(for: key.stringValue).content = .string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { child(for: key.stringValue).content = .double(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { child(for: key.stringValue).content = .signed(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { child(for: key.stringValue).content = .signed(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { child(for: key.stringValue).content = .unsigned(value) }
    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        try NodeEncoder.encode(value, into: child(for: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = child(for: key.stringValue)
        nested.content = .keyed([])
        return KeyedEncodingContainer(KeyedNodeEncoder<NestedKey>(node: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = child(for: key.stringValue)
        nested.content = .unkeyed([])
        return UnkeyedNodeEncoder(node: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: child(for: "super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: child(for: key.stringValue), codingPath: codingPath + [key])
    }
}

/// The coding key of an unkeyed container's element.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension BinaryCodableEncoder {
    /// The encoding of `Array(elements)`, without making the array when the elements travel
    /// as plain copies (`Int`, `Double`, `UInt8` on a little-endian machine): a pool encodes
    /// every chunk of a `map`'s inputs this way.
    func encode<Element: Encodable>(contentsOf elements: ArraySlice<Element>) throws -> [UInt8] {
        guard let layout = PlainArrayLayout(of: Element.self) else { return try encode(Array(elements)) }
        var output: [UInt8] = []
        output.reserveCapacity(10 + layout.stride * elements.count)
        layout.appendHeader(count: elements.count, to: &output)
        elements.withUnsafeBytes { output.append(contentsOf: $0) }
        return output
    }
}
