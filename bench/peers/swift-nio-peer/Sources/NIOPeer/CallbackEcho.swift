import NIOCore

/// Echo on raw NIO callbacks: each read is written back, flushed when the read burst ends.
enum CallbackEcho {
    static func serve(group: any EventLoopGroup, port: Int) async throws {
        try await Peer.serveCallbacks(group: group, port: port) { try $0.addHandler(EchoHandler()) }
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
