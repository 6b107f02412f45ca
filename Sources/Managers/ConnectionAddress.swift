/// Where a ``ConnectionListener`` listens and a ``ConnectionClient`` connects (Python's
/// `address` argument: a path string for `AF_UNIX`, a `(host, port)` pair for `AF_INET`).
public enum ConnectionAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A Unix stream socket at a file-system path. Reaches processes on this machine only;
    /// the file is created owner-only (mode 0600) and removed when the listener closes.
    case unix(path: String)
    /// A TCP socket. `port` 0 asks the system for a free port when listening; the
    /// listener's `address` then holds the chosen one. Reaches other machines: pair it with
    /// an ``AuthenticationKey``.
    case tcp(host: String, port: Int)

    /// A Unix socket path in the temporary directory (`$TMPDIR`, else `/tmp`) no other
    /// listener uses, as Python's `arbitrary_address('AF_UNIX')`.
    public static func temporaryUnix() -> ConnectionAddress {
        let directory = TemporaryDirectory.path
        let unique = UInt64.random(in: 0...UInt64.max)
        return .unix(path: "\(directory)/weave-\(String(unique, radix: 36)).sock")
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}
