import Multiprocessing

/// A type of your own that a manager serves, with the methods proxies may call on it
/// (Python's `BaseManager.register(typeid, callable)`).
///
/// The manager makes each instance with `make` and runs every method on its one serving
/// thread, one call at a time, so a method is atomic with respect to every other operation
/// on the manager: this is the place for compound updates that must not interleave. A
/// method's argument and result travel as Codable values; an error it throws reaches the
/// caller as ``ManagerError`` `.methodFailed`. Register the type before `start()`: the forked
/// manager process runs the closures the parent built. A manager serving on another
/// machine (`serveForever()`) registers it itself.
///
/// ```
/// final class Tally { var total = 0 }
/// let tally = ServedType("Tally") { Tally() }
///     .method("add") { (tally: Tally, amount: Int) in tally.total += amount; return tally.total }
/// ```
public struct ServedType<Object: AnyObject>: Sendable {
    /// The name proxies ask for (``Manager/make(_:named:)``).
    public let name: String
    private let make: @Sendable () -> Object
    private var methods: [String: @Sendable (Object, [UInt8]) throws -> [UInt8]] = [:]

    /// A served type called `name` whose instances `make` creates (on the manager).
    public init(_ name: String, make: @escaping @Sendable () -> Object) {
        self.name = name
        self.make = make
    }

    /// Adds a method taking one Codable argument.
    /// - Parameters:
    ///   - name: The name proxies call it by.
    ///   - body: Runs on the manager's serving thread with the instance and the argument.
    /// - Returns: The served type with the method added.
    public func method<Argument: Decodable & Sendable, Result: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable (Object, Argument) throws -> Result
    ) -> ServedType {
        var copy = self
        copy.methods[name] = { object, argument in
            try BinaryCodableEncoder().encode(body(object, BinaryCodableDecoder().decode(Argument.self, from: argument)))
        }
        return copy
    }

    /// Adds a method taking no argument.
    /// - Returns: The served type with the method added.
    public func method<Result: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable (Object) throws -> Result
    ) -> ServedType {
        var copy = self
        copy.methods[name] = { object, _ in try BinaryCodableEncoder().encode(body(object)) }
        return copy
    }

    var erased: ServedTypeEntry {
        let methods = self.methods
        let make = self.make
        return ServedTypeEntry(
            name: name, make: { make() },
            methods: methods.mapValues { method in
                { object, argument in try method(unsafeDowncast(object, to: Object.self), argument) }
            })
    }
}

/// A served type with its object type erased, as the manager keeps it.
struct ServedTypeEntry: Sendable {
    let name: String
    let make: @Sendable () -> AnyObject
    let methods: [String: @Sendable (AnyObject, [UInt8]) throws -> [UInt8]]
}
