/// An error a pool's function threw in a worker process, carried back to the caller
/// (Python re-raises the worker's exception with a `RemoteTraceback`; a Swift error cannot
/// cross a process, so its type name and text do).
///
/// ```swift
/// do {
///     _ = try pool.map(inputs) { (n: Int) in try check(n) }
/// } catch let error as PoolTaskError {
///     print(error.typeName, error.message, error.pid, error.index ?? -1)
/// }
/// ```
public struct PoolTaskError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The thrown error's type, fully qualified (`String(reflecting:)`), e.g. `Tool.Oops`.
    public var typeName: String
    /// The thrown error's text (`"\(error)"`).
    public var message: String
    /// The worker process that ran the function.
    public var pid: Int32
    /// The failed input's position in the call's inputs (`map`, `imap`, `starmap`); nil for
    /// `apply`.
    public var index: Int?

    /// Creates the record of an error thrown in worker `pid`.
    public init(typeName: String, message: String, pid: Int32, index: Int? = nil) {
        self.typeName = typeName
        self.message = message
        self.pid = pid
        self.index = index
    }

    /// The record of `error`, thrown in this process.
    init(describing error: any Error, index: Int? = nil) {
        self.init(
            typeName: String(reflecting: type(of: error)), message: "\(error)",
            pid: Syscalls.processID(), index: index)
    }

    public var description: String {
        let input = index.map { "input \($0): " } ?? ""
        return "PoolTaskError: \(input)\(typeName) thrown in worker \(pid): \(message)"
    }
}
