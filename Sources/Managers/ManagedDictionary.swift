/// A proxy for a dictionary that lives in a manager process (Python's `Manager().dict()`).
///
/// Keys and values are Codable and travel in Weave's binary encoding; the manager keeps
/// insertion order, as a Python dict does. Each call is one round trip and one atomic
/// operation on the manager. A compound update — read a value, compute, write it back —
/// must use `update(_:_:)`, which cannot lose another process's write; a `self[key]`
/// followed by `set` can.
///
/// Any thread may use a proxy, and a forked child may use the one it inherited. From a
/// greenlet, a call suspends only that greenlet.
public struct ManagedDictionary<Key: Codable & Hashable, Value: Codable>: Sendable {
    let core: ProxyCore

    /// The value for `key`, or nil (Python's `d.get(key)`).
    /// - Throws: ``ManagerError`` `.managerStopped`; `DecodingError` when the stored value is
    ///   not a `Value`.
    public subscript(key: Key) -> Value? {
        get throws {
            try core.get(ProxyCore.encode(key)).map { try ProxyCore.decode(Value.self, $0) }
        }
    }

    /// Stores `value` for `key` (Python's `d[key] = value`).
    public func set(_ key: Key, to value: Value) throws {
        try core.set(ProxyCore.encode(key), ProxyCore.encode(value))
    }

    /// Removes `key`, returning its value if it had one (Python's `d.pop(key, None)`).
    @discardableResult
    public func removeValue(forKey key: Key) throws -> Value? {
        try core.remove(ProxyCore.encode(key)).map { try ProxyCore.decode(Value.self, $0) }
    }

    /// Whether `key` has a value (Python's `key in d`).
    public func contains(_ key: Key) throws -> Bool {
        try WireValue.flag(ProxyCore.value(core.perform(.dictionaryContains, [ProxyCore.encode(key)]), 0))
    }

    /// The number of entries (Python's `len(d)`).
    public func count() throws -> Int {
        try core.count(.dictionaryCount)
    }

    /// The keys, in insertion order (Python's `list(d.keys())`).
    public func keys() throws -> [Key] {
        try core.keys().map { try ProxyCore.decode(Key.self, $0) }
    }

    /// A copy of the whole dictionary, taken atomically (Python's `d.copy()`).
    public func snapshot() throws -> [Key: Value] {
        var copy: [Key: Value] = [:]
        for (key, value) in try core.items() {
            copy[try ProxyCore.decode(Key.self, key)] = try ProxyCore.decode(Value.self, value)
        }
        return copy
    }

    /// Atomically replaces the value for `key` with `transform(current)`; returning nil
    /// from `transform` removes the key. No other process's write is lost: the new value is
    /// stored only if the value is still the one `transform` saw (a compare-and-set on the
    /// manager); otherwise `transform` runs again on the newer value.
    ///
    /// `transform` runs in the calling process, possibly more than once, so it must depend
    /// on its argument only and have no side effects. For updates that must run exactly
    /// once, or that touch several objects, register a ``ServedType`` whose method does the
    /// work on the manager.
    ///
    /// ```
    /// try counts.update("hits") { ($0 ?? 0) + 1 }
    /// ```
    /// - Returns: The value stored (nil when removed).
    @discardableResult
    public func update(_ key: Key, _ transform: (Value?) throws -> Value?) throws -> Value? {
        try core.update(ProxyCore.encode(key), transform)
    }

    /// Removes every entry (Python's `d.clear()`).
    public func removeAll() throws {
        _ = try core.perform(.dictionaryClear)
    }
}
