import NIOCore
import NIOTLS

/// The inbound end of a green stream connection, on the hub's event loop: it keeps what
/// the socket delivered until the connection's greenlet takes it, and wakes that greenlet.
///
/// The channel runs with `autoRead` off: the connection asks for a read when its greenlet
/// wants bytes that are not buffered, and the handler keeps reading ahead only while fewer
/// than ``readAheadLimit`` bytes wait here. So an idle reader stops the socket from
/// reading and the kernel's window pushes back on the peer, while a busy one does not pay
/// for re-arming the socket at every read.
final class GreenStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// The most bytes buffered here before the socket stops reading ahead.
    static let readAheadLimit = 64 * 1024

    /// Bytes received and not yet taken.
    var buffer = ByteBuffer()
    /// The peer closed its side (or the channel closed): no more bytes will come.
    private(set) var inputClosed = false
    /// The channel is closed.
    private(set) var isClosed = false
    /// The first error the channel reported (a reset, a TLS failure).
    private(set) var failure: (any Error)?
    /// The TLS handshake has completed (only meaningful with a TLS handler in front).
    private(set) var handshakeDone = false
    /// Wakes the connection's reading greenlet when something it may want happens.
    let event = GreenSignal()
    /// Wakes the connection's writing greenlet when the channel may take more bytes.
    let writable = GreenSignal()

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable.signal()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = Self.unwrapInboundIn(data)
        if buffer.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer.writeBuffer(&incoming)
        }
        event.signal()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !inputClosed, buffer.readableBytes < Self.readAheadLimit {
            context.read()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inputClosed = true
        isClosed = true
        event.signal()
        writable.signal()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            self.event.signal()
        } else if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            handshakeDone = true
            self.event.signal()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        inputClosed = true
        event.signal()
        writable.signal()
        context.close(promise: nil)
    }
}
