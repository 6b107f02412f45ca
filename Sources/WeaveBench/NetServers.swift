import GreenHub
import GreenNet

/// The servers `weave bench-serve` runs for `bench/net-compare`, which loads them from
/// other processes and compares them with the same servers written on the peers.
public enum NetServers {
    /// The servers, by the name `weave bench-serve` takes.
    public static let names = ["echo", "http"]

    /// The answer of the `http` server to every request.
    private static let hello = GreenHTTPResponse(text: "Hello, World!")

    /// Serves `name` on 127.0.0.1:`port` with `hubs` hubs and never returns.
    ///
    /// `echo` writes back whatever each connection sends (a read-some, write-all loop);
    /// `http` answers every request with `200 Hello, World!` over keep-alive connections.
    /// One hub serves on the calling thread's hub; more run a ``GreenMultiHubServer``, one
    /// hub thread each, sharing the port with `SO_REUSEPORT`. The process ends by a signal.
    ///
    /// Call from the thread's main greenlet.
    /// - Parameters:
    ///   - name: One of ``names``.
    ///   - port: The port; 0 lets the system pick one.
    ///   - hubs: How many hubs (threads) serve, 1 or more.
    ///   - ready: Called with the port once the server accepts connections.
    /// - Throws: `BenchmarkError.unknownSuite` for an unknown name; what binding throws.
    public static func serve(_ name: String, port: Int, hubs: Int, ready: (Int) -> Void) throws -> Never {
        let makeServer: @Sendable (_ port: Int, _ reusePort: Bool) throws -> any GreenServing
        switch name {
        case "echo":
            makeServer = { try GreenStreamServer(port: $0, reusePort: $1, handler: echo) }
        case "http":
            makeServer = { try GreenHTTPServer(port: $0, reusePort: $1) { _ in hello } }
        default:
            throw BenchmarkError.unknownSuite(name)
        }
        let server: AnyObject
        if hubs == 1 {
            let single = try makeServer(port, false)
            single.start()
            ready(single.port)
            server = single
        } else {
            let group = try GreenMultiHubServer.start(threads: hubs, port: port) { try makeServer($0, true) }
            ready(group.port)
            server = group
        }
        try withExtendedLifetime(server) { () throws -> Never in
            while true { try Green.sleep(3600) }
        }
    }

    /// Writes back whatever `connection` receives until the peer closes its side.
    static func echo(_ connection: GreenStream) throws {
        while true {
            let bytes = try connection.receiveBuffer(upTo: 65536)
            if bytes.readableBytes == 0 { return }
            try connection.send(bytes)
        }
    }
}
