/// A function registered by name that pool workers run over `Codable` inputs, as Python's
/// pool pickles a module-level function by its qualified name.
///
/// Unlike a closure, a registered function reaches every worker, whenever it was forked
/// and under either start method: a spawned worker runs `main` again, registers the same
/// functions and looks them up by name. It is the fastest way to give work to a pool that
/// serves several functions, and the only one under `spawn`.
///
/// ```swift
/// let square = PoolFunction<Int, Int>("square") { n in n * n }
///
/// @main struct Tool {
///     static func main() throws {
///         Multiprocessing.register(square)
///         Multiprocessing.bootstrapIfChild()
///         let pool = try WorkerPool(processes: 2, startMethod: .spawn)
///         print(try pool.map([1, 2, 3], square))   // [1, 4, 9]
///     }
/// }
/// ```
public struct PoolFunction<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    /// The name workers look the function up by; unique within the program.
    public let name: String
    let body: @Sendable (Input) throws -> Output

    /// Creates a function named `name` that runs `body`. Register it with
    /// `Multiprocessing.register(_:)` before a pool uses it.
    public init(_ name: String, body: @escaping @Sendable (Input) throws -> Output) {
        self.name = name
        self.body = body
    }
}

extension Multiprocessing {
    static let poolFunctions = PoolFunctionTable()

    /// Makes `function` runnable by pool workers. Call it at start-up, before
    /// `bootstrapIfChild()` and before making a pool, in parent and spawned child alike;
    /// a later registration of the same name replaces the earlier one. Any thread may call it.
    public static func register<Input, Output>(_ function: PoolFunction<Input, Output>) {
        poolFunctions.register(
            name: function.name, runner: PoolChunkRunner.make(function.body), single: singleRunner(function.body))
    }

    /// Runs the registered function `name` for one encoded input in this process and returns
    /// its encoded output, or nil when no function of that name is registered here. For
    /// callers that carry inputs and outputs as bytes, such as a distributed pool's workers.
    /// - Throws: ``RegisteredInputMismatch`` when the bytes do not decode as the function's
    ///   input (or its output does not encode); otherwise whatever the function threw.
    package static func callRegisteredFunction(named name: String, encodedInput: [UInt8]) throws -> [UInt8]? {
        guard let single = poolFunctions.singleRunner(named: name) else { return nil }
        return try single(encodedInput)
    }

    private static func singleRunner<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ body: @escaping @Sendable (Input) throws -> Output
    ) -> PoolSingleRunner {
        { bytes in
            let input: Input
            do {
                input = try BinaryCodableDecoder().decode(Input.self, from: bytes)
            } catch {
                throw RegisteredInputMismatch(message: "the input does not decode as \(Input.self): \(error)")
            }
            let output = try body(input)
            do {
                return try BinaryCodableEncoder().encode(output)
            } catch {
                throw RegisteredInputMismatch(message: "the output does not encode as \(Output.self): \(error)")
            }
        }
    }
}

/// Runs a registered function for one encoded input: encoded output out.
typealias PoolSingleRunner = @Sendable (_ input: [UInt8]) throws -> [UInt8]

/// The bytes given to ``Multiprocessing/callRegisteredFunction(named:encodedInput:)`` are not
/// an encoded input of the function of that name (or its output does not encode): the
/// caller and this process registered different types under one name.
package struct RegisteredInputMismatch: Error, CustomStringConvertible {
    /// What did not decode or encode, and as which type.
    package var message: String

    package var description: String { message }
}

/// The registered pool functions, type-erased to run a chunk of encoded inputs.
///
/// A short list searched front to back, for the reason `SpawnEntryPointTable` gives.
final class PoolFunctionTable: @unchecked Sendable {
    private let lock = InProcessLock()
    private var runners: [(name: String, run: PoolRunner, single: PoolSingleRunner)] = []

    func register(name: String, runner: @escaping PoolRunner, single: @escaping PoolSingleRunner) {
        lock.withLock {
            if let index = runners.firstIndex(where: { $0.name == name }) {
                runners[index].run = runner
                runners[index].single = single
            } else {
                runners.append((name, runner, single))
            }
        }
    }

    func runner(named name: String) -> PoolRunner? {
        lock.withLock { runners.first { $0.name == name }?.run }
    }

    func singleRunner(named name: String) -> PoolSingleRunner? {
        lock.withLock { runners.first { $0.name == name }?.single }
    }
}
