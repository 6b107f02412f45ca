/// A named function a spawned child can run, with `Codable` arguments.
///
/// Closures cannot cross `exec`, so spawn children run entry points registered by name.
/// Register every entry point before `Multiprocessing.bootstrapIfChild()`, in the same order
/// of start-up code in parent and child (the child runs `main` again):
///
/// ```swift
/// let square = SpawnEntryPoint<Int>("square") { n in print(n * n) }
///
/// @main struct Tool {
///     static func main() throws {
///         Multiprocessing.register(square)
///         Multiprocessing.bootstrapIfChild()   // a spawned child runs `square` here and exits
///         let child = ChildProcess(startMethod: .spawn, entryPoint: square, arguments: 7)
///         try child.start()
///         try child.join()
///     }
/// }
/// ```
public struct SpawnEntryPoint<Arguments: Codable & Sendable>: Sendable {
    /// The name the child looks the entry point up by; unique within the program.
    public let name: String
    let body: @Sendable (Arguments) throws -> Void

    /// Creates an entry point named `name` that runs `body`.
    public init(_ name: String, body: @escaping @Sendable (Arguments) throws -> Void) {
        self.name = name
        self.body = body
    }
}

/// The entry points registered in this program, type-erased to take encoded arguments.
///
/// A short list searched front to back rather than a dictionary: a spawned child registers
/// them all before it runs, and a `[String: …]` would make the fresh runtime check
/// `String: Hashable` by scanning every protocol conformance of the program.
final class SpawnEntryPointTable: @unchecked Sendable {
    private struct Runner {
        var name: String
        var run: @Sendable ([UInt8], DescriptorTransfer) throws -> Void
    }

    private let lock = InProcessLock()
    private var runners: [Runner] = []

    /// Adds `entryPoint`, replacing an earlier one of the same name.
    func register<Arguments>(_ entryPoint: SpawnEntryPoint<Arguments>) {
        let runner = Runner(name: entryPoint.name) { bytes, transfer in
            let arguments = try DescriptorTransfer.$current.withValue(transfer) {
                try BinaryCodableDecoder().decode(Arguments.self, from: bytes)
            }
            transfer.closeUnclaimed()
            try entryPoint.body(arguments)
        }
        lock.withLock {
            if let index = runners.firstIndex(where: { $0.name == entryPoint.name }) {
                runners[index] = runner
            } else {
                runners.append(runner)
            }
        }
    }

    func runner(named name: String) -> (@Sendable ([UInt8], DescriptorTransfer) throws -> Void)? {
        lock.withLock { runners.first { $0.name == name }?.run }
    }
}
