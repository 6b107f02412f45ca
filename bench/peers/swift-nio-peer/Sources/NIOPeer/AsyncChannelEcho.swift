import NIOCore
import NIOPosix

/// Echo on NIOAsyncChannel: one task per connection iterates its inbound stream and
/// writes each buffer back. The tasks run on Swift's default executor, as a
/// NIOAsyncChannel server's do unless told otherwise; the channels on one event loop.
enum AsyncChannelEcho {
    static func serve(group: any EventLoopGroup, port: Int) async throws {
        let server = try await Peer.bootstrap(group)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        Peer.announce(server.channel.localAddress?.port)
        try await withThrowingDiscardingTaskGroup { tasks in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    tasks.addTask {
                        try? await connection.executeThenClose { inbound, outbound in
                            for try await buffer in inbound {
                                try await outbound.write(buffer)
                            }
                        }
                    }
                }
            }
        }
    }
}
