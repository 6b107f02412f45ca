import NIOCore

/// Checks of host and port arguments, so that bad input gets a clear error before any
/// socket is made.
enum GreenAddress {
    static func check(host: String, port: Int) throws {
        guard !host.isEmpty else {
            throw GreenNetError(.invalidArgument, "the host is empty; pass a host name or an IP address such as \"127.0.0.1\"")
        }
        try check(port: port, allowZero: false)
    }

    static func check(port: Int, allowZero: Bool) throws {
        guard port >= (allowZero ? 0 : 1), port <= 65535 else {
            throw GreenNetError(.invalidArgument, "port \(port) is out of range; use \(allowZero ? 0 : 1)...65535\(allowZero ? " (0 picks a free port)" : "")")
        }
    }

    static func check(unixDomainSocketPath path: String) throws {
        guard !path.isEmpty, path.utf8.count < 108 else {
            throw GreenNetError(.invalidArgument, "a Unix-domain socket path must be 1 to 107 bytes long, not \(path.utf8.count)")
        }
    }

    /// Whether `host` is an IP address literal (no name to resolve, no SNI to send).
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
