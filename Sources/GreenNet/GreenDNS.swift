import GreenHub
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Name resolution that never blocks the hub — `gevent.socket.getaddrinfo` and
/// `gevent.socket.gethostbyname` (gevent's threadpool resolver).
///
/// The system's `getaddrinfo(3)` runs on NIO's thread pool; only the calling greenlet
/// waits. (Connecting by host name with ``GreenStream/connect(host:port:timeout:tls:)-(_,_,Double?,_)``
/// resolves the same way, through NIO's resolver, without calling this.)
public enum GreenDNS {
    /// The addresses of `host`, IPv4 and IPv6, in the order the system prefers, without
    /// repeats — `getaddrinfo(host, port)`.
    ///
    /// Call on a hub's thread.
    /// - Parameters:
    ///   - host: A host name, or an IP address (returned as it is).
    ///   - port: The port the addresses carry.
    /// - Returns: One `SocketAddress` per distinct address.
    /// - Throws: `GreenNetError.nameResolutionFailed` (with `getaddrinfo`'s message) when
    ///   the name is unknown or no resolver answers; `.invalidArgument` for an empty host
    ///   or a port out of range.
    public static func resolve(host: String, port: Int = 0) throws -> [SocketAddress] {
        guard !host.isEmpty else {
            throw GreenNetError(.invalidArgument, "the host to resolve is empty")
        }
        try GreenAddress.check(port: port, allowZero: true)
        var wakeSource = GreenWakeSource()
        defer { wakeSource.end() }
        return try Green.runBlocking { try getaddrinfoAddresses(host: host, port: port) }
    }

    /// The first address of `host`, as text such as `"93.184.215.14"` —
    /// `socket.gethostbyname(host)` (which also allows IPv6 here).
    ///
    /// - Throws: As ``resolve(host:port:)``.
    public static func address(of host: String) throws -> String {
        guard let first = try resolve(host: host).first?.ipAddress else {
            throw GreenNetError(.nameResolutionFailed, "\(host) resolved to no IP address")
        }
        return first
    }

    /// Runs `getaddrinfo(3)`; blocking, so only ever on a pool thread.
    static func getaddrinfoAddresses(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let reason = String(cString: gai_strerror(status))
            throw GreenNetError(.nameResolutionFailed, "could not resolve \(host.debugDescription): \(reason); check the name and the DNS settings")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let raw = current.pointee.ai_addr {
                let address: SocketAddress? =
                    switch Int32(current.pointee.ai_family) {
                    case AF_INET:
                        raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
                    case AF_INET6:
                        raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
                    default:
                        nil
                    }
                if let address, !addresses.contains(address) {
                    addresses.append(address)
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
