import Multiprocessing

/// What every proxy holds: its manager's session and the served object's id, and the
/// round trip with the manager's failures turned into ``ManagerError``s.
struct ProxyCore: Sendable {
    let session: ManagerSession
    let object: UInt64

    /// Performs `operation` on the object. `.ok`, `.timedOut` and `.lockOwnerDied` come
    /// back for the proxy to interpret; every other status is thrown.
    func perform(_ operation: ManagerOperation, timeout: Double? = nil, _ arguments: [[UInt8]] = []) throws -> ManagerReply {
        let reply = try session.call(ManagerRequest(operation, object: object, timeout: timeout, arguments))
        switch reply.status {
        case .ok, .timedOut, .lockOwnerDied:
            return reply
        default:
            throw Self.error(for: reply)
        }
    }

    /// The reply's value at `index`.
    /// - Throws: `.invalidRequest` when the manager sent fewer values.
    static func value(_ reply: ManagerReply, _ index: Int) throws -> [UInt8] {
        guard index < reply.values.count else {
            throw ManagerError(.invalidRequest, context: "a reply with \(reply.values.count) values, expected more than \(index)")
        }
        return reply.values[index]
    }

    static func error(for reply: ManagerReply) -> ManagerError {
        let message = reply.values.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let code: ManagerError.Code
        switch reply.status {
        case .notOwner: code = .notOwner
        case .indexOutOfRange: code = .indexOutOfRange
        case .noSuchObject: code = .noSuchObject
        case .wrongKind: code = .wrongKind
        case .unknownType: code = .unknownType
        case .unknownMethod: code = .unknownMethod
        case .methodFailed: code = .methodFailed
        case .lockOwnerDied: code = .lockOwnerDied
        case .ok, .timedOut, .invalidRequest: code = .invalidRequest
        }
        return ManagerError(code, context: message)
    }

    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        try BinaryCodableEncoder().encode(value)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
        try BinaryCodableDecoder().decode(type, from: bytes)
    }

    // MARK: Dictionary operations shared by dictionaries and namespaces

    func get(_ key: [UInt8]) throws -> [UInt8]? {
        try perform(.dictionaryGet, [key]).values.first
    }

    func set(_ key: [UInt8], _ value: [UInt8]) throws {
        _ = try perform(.dictionarySet, [key, value])
    }

    func remove(_ key: [UInt8]) throws -> [UInt8]? {
        try perform(.dictionaryRemove, [key]).values.first
    }

    func keys() throws -> [[UInt8]] {
        let values = try perform(.dictionaryItems).values
        return stride(from: 0, to: values.count - 1, by: 2).map { values[$0] }
    }

    func items() throws -> [(key: [UInt8], value: [UInt8])] {
        let values = try perform(.dictionaryItems).values
        return stride(from: 0, to: values.count - 1, by: 2).map { (values[$0], values[$0 + 1]) }
    }

    func count(_ operation: ManagerOperation) throws -> Int {
        Int(try WireValue.word(Self.value(try perform(operation), 0)))
    }

    /// The atomic read-modify-write: reads the value, applies `transform` here, and stores
    /// the result only if the value is still the one read (a compare-and-set on the
    /// manager), starting over with the newer value when another process got in between.
    func update<Value: Codable>(_ key: [UInt8], _ transform: (Value?) throws -> Value?) throws -> Value? {
        var current = try get(key)
        while true {
            var decoded: Value?
            if let current { decoded = try Self.decode(Value.self, current) }
            let updated = try transform(decoded)
            var encoded: [UInt8]?
            if let updated { encoded = try Self.encode(updated) }
            let reply = try perform(.dictionaryCompareAndSet, [
                key, WireValue.flag(current != nil), current ?? [], WireValue.flag(encoded != nil), encoded ?? [],
            ])
            if try WireValue.flag(Self.value(reply, 0)) { return updated }
            current = try WireValue.flag(Self.value(reply, 1)) ? Self.value(reply, 2) : nil
        }
    }
}
