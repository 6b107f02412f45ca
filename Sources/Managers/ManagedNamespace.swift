/// A proxy for an attribute bag that lives in a manager process (Python's
/// `Manager().Namespace()`): named values of any Codable type.
///
/// Each call is one round trip and one atomic operation; `update(_:as:_:)` is the atomic
/// read-modify-write, as `ManagedDictionary.update(_:_:)` is. Any thread may use it; from a
/// greenlet, a call suspends only that greenlet.
public struct ManagedNamespace: Sendable {
    let core: ProxyCore

    /// The attribute `name` as a `Value`, or nil when it is not set (Python's
    /// `getattr(ns, name, None)`).
    /// - Throws: `DecodingError` when the attribute holds another type.
    public func get<Value: Decodable>(_ name: String, as type: Value.Type = Value.self) throws -> Value? {
        try core.get(ProxyCore.encode(name)).map { try ProxyCore.decode(type, $0) }
    }

    /// Sets the attribute `name` (Python's `ns.name = value`).
    public func set<Value: Encodable>(_ name: String, to value: Value) throws {
        try core.set(ProxyCore.encode(name), ProxyCore.encode(value))
    }

    /// Removes the attribute `name` (Python's `del ns.name`); returns whether it was set.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        try core.remove(ProxyCore.encode(name)) != nil
    }

    /// The names of the attributes set, in the order they were first set.
    public func names() throws -> [String] {
        try core.keys().map { try ProxyCore.decode(String.self, $0) }
    }

    /// Atomically replaces the attribute with `transform(current)` (nil removes it); as
    /// `ManagedDictionary.update(_:_:)`, `transform` may run more than once.
    /// - Returns: The value stored.
    @discardableResult
    public func update<Value: Codable>(
        _ name: String, as type: Value.Type = Value.self, _ transform: (Value?) throws -> Value?
    ) throws -> Value? {
        try core.update(ProxyCore.encode(name), transform)
    }
}
