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
///
/// The connection's greenlet reads and writes through this handler's context rather than
/// through the channel, which skips the pipeline's tail and the event-loop check on every
/// call, and it asks for a read only when none is pending already.
final class GreenStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

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
    /// The application protocol the TLS handshake agreed on (ALPN), if any.
    private(set) var negotiatedProtocol: String?
    /// Wakes the connection's reading greenlet when something it may want happens.
    let event = GreenSignal()
    /// Wakes the connection's writing greenlet when the channel may take more bytes.
    let writable = GreenSignal()
    /// The handler's place in the pipeline, while it is in one.
    private var context: ChannelHandlerContext?
    /// A read was asked of the socket and no bytes have come since.
    private var readRequested = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Asks the socket for one read, unless one is pending already or the input is over.
    func requestRead() {
        guard !readRequested, !inputClosed, let context else { return }
        readRequested = true
        context.read()
    }

    /// Writes and flushes `buffer` from this handler's place in the pipeline (through the
    /// TLS handler, if any, in front of it); once the handler is gone, through the channel,
    /// which then fails the write.
    func writeAndFlush(_ buffer: ByteBuffer, channel: any Channel) {
        if let context {
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        } else {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Takes `count` buffered bytes (at most what is buffered). Once the buffer is empty
    /// it lets go of the socket's receive buffer, so that NIO reuses that for the next
    /// read instead of allocating another.
    func take(_ count: Int) -> [UInt8] {
        let bytes = buffer.readBytes(length: min(count, buffer.readableBytes))!
        releaseIfEmpty()
        return bytes
    }

    /// Takes `count` buffered bytes (at most what is buffered) without copying them: the
    /// slice shares the receive buffer's storage.
    func takeBuffer(_ count: Int) -> ByteBuffer {
        let slice = buffer.readSlice(length: min(count, buffer.readableBytes))!
        releaseIfEmpty()
        return slice
    }

    /// Drops `count` buffered bytes (a line's terminator).
    func skip(_ count: Int) {
        buffer.moveReaderIndex(forwardBy: count)
        releaseIfEmpty()
    }

    private func releaseIfEmpty() {
        if buffer.readableBytes == 0 {
            buffer = ByteBuffer()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable.signal()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = Self.unwrapInboundIn(data)
        readRequested = false
        if buffer.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer.writeBuffer(&incoming)
        }
        event.signal()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if buffer.readableBytes < Self.readAheadLimit {
            requestRead()
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
        } else if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            handshakeDone = true
            negotiatedProtocol = negotiated
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
