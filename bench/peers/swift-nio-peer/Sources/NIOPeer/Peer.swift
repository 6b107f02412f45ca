// The Swift server peers of `bench/net-compare`.
//
//     nio-peer <server> [--port P]     servers: echo-nio echo-async http-nio http-hummingbird
//
// Each listens on 127.0.0.1 (port 0 lets the system pick), prints `listening <port>` on
// stdout once it accepts connections, and serves on ONE event loop until SIGTERM or SIGINT.
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
enum Peer {
    static let servers: [String: @Sendable (_ group: any EventLoopGroup, _ port: Int) async throws -> Void] = [
        "echo-nio": CallbackEcho.serve,
        "echo-async": AsyncChannelEcho.serve,
        "http-nio": CallbackHTTPHello.serve,
        "http-hummingbird": HummingbirdHello.serve,
    ]

    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var port = 0
        if let flag = arguments.firstIndex(of: "--port"), flag + 1 < arguments.count, let value = Int(arguments[flag + 1]) {
            port = value
            arguments.removeSubrange(flag...(flag + 1))
        }
        guard arguments.count == 1, let serve = servers[arguments[0]] else {
            let names = servers.keys.sorted().joined(separator: " ")
            var usage = "usage: nio-peer <server> [--port P]; servers: \(names)\n"
            usage.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await serve(group, port)
    }

    /// A server bootstrap on `group` with the options every peer shares.
    static func bootstrap(_ group: any EventLoopGroup) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    }

    /// Serves raw NIO callbacks on 127.0.0.1:`port`, each accepted channel set up by
    /// `configure`, and never returns (the process ends by a signal).
    static func serveCallbacks(
        group: any EventLoopGroup,
        port: Int,
        configure: @escaping @Sendable (_ pipeline: ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws {
        let server = try await bootstrap(group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel.pipeline.syncOperations) }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        announce(server.localAddress?.port)
        try await server.closeFuture.get()
    }

    /// Prints the readiness line `bench/net-compare` waits for.
    static func announce(_ port: Int?) {
        print("listening \(port ?? 0)")
        fflush(nil)
    }
}
