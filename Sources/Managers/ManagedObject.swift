/// A proxy for an instance of a ``ServedType`` in a manager process (the proxy Python's
/// `BaseManager.register` makes). Each call runs the method on the manager, atomically.
/// Any thread may call; from a greenlet, a call suspends only that greenlet.
public struct ManagedObject: Sendable {
    let core: ProxyCore
    /// The served type's name.
    public let typeName: String

    /// Calls `method` with `argument` on the manager and returns its result.
    /// - Throws: ``ManagerError`` `.unknownMethod`, `.methodFailed` (the method threw);
    ///   `DecodingError` when the result is not a `Result`.
    public func call<Argument: Encodable, Result: Decodable>(
        _ method: String, _ argument: Argument, returning type: Result.Type = Result.self
    ) throws -> Result {
        let reply = try core.perform(.call, [Array(method.utf8), ProxyCore.encode(argument)])
        return try ProxyCore.decode(type, ProxyCore.value(reply, 0))
    }

    /// Calls `method`, which takes no argument, on the manager and returns its result.
    public func call<Result: Decodable>(_ method: String, returning type: Result.Type = Result.self) throws -> Result {
        let reply = try core.perform(.call, [Array(method.utf8), []])
        return try ProxyCore.decode(type, ProxyCore.value(reply, 0))
    }
}
