import GreenHub
import NIOCore
import NIOPosix

/// Resolves the host of one `GreenStream.connect` with `getaddrinfo` on Weave's blocking
/// pool: one lookup answers both of NIO's queries (A and AAAA, raced by its Happy
/// Eyeballs connector).
///
/// NIO's default resolver runs `getaddrinfo` on a Dispatch queue, and Dispatch is no use
/// in a forked child; Weave's pool starts anew there (see `BlockingPool`).
final class GreenResolver: Resolver, Sendable {
    private let addresses: EventLoopFuture<[SocketAddress]>

    /// Starts the lookup of `host`; the addresses carry `port`. An IP address needs none.
    init(host: String, port: Int, loop: any EventLoop) {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            addresses = loop.makeSucceededFuture([literal])
        } else {
            addresses = BlockingPool.current.runIfActive(eventLoop: loop) {
                try GreenDNS.getaddrinfoAddresses(host: host, port: port)
            }
        }
    }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        addresses.map { $0.filter { $0.protocol == .inet } }
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        addresses.map { $0.filter { $0.protocol == .inet6 } }
    }

    /// A lookup in progress cannot be stopped; its answer is dropped.
    func cancelQueries() {}
}
