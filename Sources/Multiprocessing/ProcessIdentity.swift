/// A process as `Multiprocessing.currentProcess` and `parentProcess` describe it.
public struct ProcessIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The process's name: `MainProcess` for the program itself, `Process-N` or the name
    /// given to ``ChildProcess`` for a child.
    public var name: String
    /// The operating system's process id.
    public var pid: Int32

    /// Creates an identity.
    public init(name: String, pid: Int32) {
        self.name = name
        self.pid = pid
    }

    public var description: String { "<\(name) pid=\(pid)>" }
}
