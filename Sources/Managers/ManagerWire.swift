/// What a proxy asks the manager to do: one byte on the wire.
enum ManagerOperation: UInt8, Sendable {
    case hello, ping, create, shutdown
    case dictionaryGet, dictionarySet, dictionaryRemove, dictionaryContains, dictionaryCount
    case dictionaryItems, dictionaryCompareAndSet, dictionaryClear
    case listAppend, listGet, listSet, listInsert, listRemove, listCount, listItems, listClear
    case queuePut, queueGet, queueCount
    case lockAcquire, lockRelease
    case eventSet, eventClear, eventIsSet, eventWait
    case call
}

/// How the manager answered: one byte on the wire. Failures carry a UTF-8 message as
/// their one value.
enum ManagerReplyStatus: UInt8, Sendable {
    case ok, timedOut, lockOwnerDied, notOwner, indexOutOfRange, noSuchObject, wrongKind
    case unknownType, unknownMethod, methodFailed, invalidRequest
}

/// A request frame: operation, object id, timeout (NaN for none) and byte-string
/// arguments, each length-prefixed; all integers little-endian. Values inside the
/// arguments are in Weave's binary Codable encoding, so the manager stores and compares
/// bytes and never needs the proxies' types.
struct ManagerRequest: Sendable {
    var operation: ManagerOperation
    var object: UInt64
    var timeout: Double?
    var arguments: [[UInt8]]

    init(_ operation: ManagerOperation, object: UInt64 = 0, timeout: Double? = nil, _ arguments: [[UInt8]] = []) {
        self.operation = operation
        self.object = object
        self.timeout = timeout
        self.arguments = arguments
    }

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: 24 + arguments.reduce(0) { $0 + 4 + $1.count })
        writer.append(operation.rawValue)
        writer.append(object)
        writer.append((timeout ?? .nan).bitPattern)
        writer.append(blobs: arguments)
        return writer.bytes
    }

    /// Decodes a request frame.
    /// - Throws: ``ManagerError`` `.invalidRequest` for a malformed frame.
    init(decoding bytes: [UInt8]) throws {
        var reader = WireReader(bytes)
        guard let operation = ManagerOperation(rawValue: try reader.byte()) else {
            throw ManagerError(.invalidRequest, context: "unknown operation")
        }
        self.operation = operation
        object = try reader.word()
        let seconds = Double(bitPattern: try reader.word())
        timeout = seconds.isNaN ? nil : seconds
        arguments = try reader.blobs()
        try reader.finish()
    }
}

/// A reply frame: status, then length-prefixed byte-string values.
struct ManagerReply: Sendable {
    var status: ManagerReplyStatus
    var values: [[UInt8]]

    init(_ status: ManagerReplyStatus = .ok, _ values: [[UInt8]] = []) {
        self.status = status
        self.values = values
    }

    /// A failure reply carrying `message`.
    static func failure(_ status: ManagerReplyStatus, _ message: String) -> ManagerReply {
        ManagerReply(status, [Array(message.utf8)])
    }

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: 8 + values.reduce(0) { $0 + 4 + $1.count })
        writer.append(status.rawValue)
        writer.append(blobs: values)
        return writer.bytes
    }

    /// Decodes a reply frame.
    /// - Throws: ``ManagerError`` `.invalidRequest` for a malformed frame.
    init(decoding bytes: [UInt8]) throws {
        var reader = WireReader(bytes)
        guard let status = ManagerReplyStatus(rawValue: try reader.byte()) else {
            throw ManagerError(.invalidRequest, context: "unknown reply status")
        }
        self.status = status
        values = try reader.blobs()
        try reader.finish()
    }
}

/// Appends the wire's little-endian fields.
struct WireWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ word: UInt64) {
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(blobs: [[UInt8]]) {
        withUnsafeBytes(of: UInt32(blobs.count).littleEndian) { bytes.append(contentsOf: $0) }
        for blob in blobs {
            withUnsafeBytes(of: UInt32(blob.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: blob)
        }
    }
}

/// Reads the wire's fields, checking every length against what is left before copying.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func truncated() -> ManagerError {
        ManagerError(.invalidRequest, context: "a frame ended early at byte \(offset) of \(bytes.count)")
    }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func word() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw truncated() }
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        offset += 8
        return value
    }

    private mutating func count() throws -> Int {
        guard bytes.count - offset >= 4 else { throw truncated() }
        var value = 0
        for index in (0..<4).reversed() { value = value << 8 | Int(bytes[offset + index]) }
        offset += 4
        return value
    }

    mutating func blobs() throws -> [[UInt8]] {
        let number = try count()
        guard number <= (bytes.count - offset) / 4 else { throw truncated() }
        var result: [[UInt8]] = []
        result.reserveCapacity(number)
        for _ in 0..<number {
            let length = try count()
            guard length <= bytes.count - offset else { throw truncated() }
            result.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return result
    }

    func finish() throws {
        guard offset == bytes.count else {
            throw ManagerError(.invalidRequest, context: "\(bytes.count - offset) trailing bytes in a frame")
        }
    }
}

/// The small values requests and replies carry besides encoded user values.
enum WireValue {
    static func word(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func word(_ bytes: [UInt8]) throws -> UInt64 {
        guard bytes.count == 8 else { throw ManagerError(.invalidRequest, context: "a word of \(bytes.count) bytes") }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    static func flag(_ value: Bool) -> [UInt8] { [value ? 1 : 0] }

    static func flag(_ bytes: [UInt8]) throws -> Bool {
        guard bytes.count == 1 else { throw ManagerError(.invalidRequest, context: "a flag of \(bytes.count) bytes") }
        return bytes[0] != 0
    }
}
