import DequeModule
import GreenHub
import NIOCore
import NIOHTTP1

/// One HTTP connection of a ``GreenHTTPServer``: request parts decoded by NIOHTTP1 wait
/// here until the connection's greenlet takes them, in order, so pipelined requests are
/// answered in the order they came.
final class GreenHTTPServerConnection {
    /// What the greenlet gets next.
    enum Incoming {
        case head(HTTPRequestHead)
        case body(ByteBuffer)
        case end
        /// The bytes are not valid HTTP.
        case malformed(any Error)
        /// The peer closed the connection.
        case closed
    }

    let channel: any Channel
    /// Whether the connection's greenlet waits for the next request (and may be closed
    /// at once when the server stops).
    var isIdle = false
    private let parts: GreenHTTPPartsHandler
    private var wakeSource = GreenWakeSource()

    init(channel: any Channel, parts: GreenHTTPPartsHandler) {
        self.channel = channel
        self.parts = parts
    }

    /// The next part, waiting in the greenlet (and reading) until one is there.
    func next(_ deadline: GreenDeadline) throws -> Incoming {
        while true {
            if let part = parts.take() {
                switch part {
                case .head(let head): return .head(head)
                case .body(let buffer): return .body(buffer)
                case .end: return .end
                }
            }
            if let failure = parts.failure { return .malformed(failure) }
            if parts.inputClosed { return .closed }
            try parts.event.wait(on: self, detail: WaitKind.request.rawValue, until: deadline) {
                channel.read()
            }
        }
    }

    /// The fields the server sets from the response's framing, whatever the handler gave.
    private static let serverFramedFields = ["Content-Length", "Connection", "Transfer-Encoding"]

    /// Writes a response head (not flushed: the first body part or the end flushes it).
    /// `Content-Length` comes from `contentLength`; without it NIOHTTP1's encoder frames an
    /// HTTP/1.1 body with chunked transfer-encoding, and an HTTP/1.0 one ends at the close.
    func writeHead(
        status: Int,
        headers fields: [(name: String, value: String)],
        contentLength: Int?,
        version: HTTPVersion,
        keepAlive: Bool
    ) {
        var headers = HTTPHeaders()
        for (name, value) in fields where !Self.serverFramedFields.contains(where: name.equalsIgnoringASCIICase) {
            headers.add(name: name, value: value)
        }
        if let contentLength {
            headers.add(name: "Content-Length", value: String(contentLength))
        }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let status = HTTPResponseStatus(statusCode: (100...999).contains(status) ? status : 500)
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers)), promise: nil)
    }

    /// Writes and flushes one piece of a response body; while the channel holds more than
    /// its high-water mark unsent, waits in the greenlet for the client to read.
    func writeBody(_ buffer: ByteBuffer, deadline: GreenDeadline) throws {
        try checkConnected()
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        while !channel.isWritable {
            try checkConnected()
            try parts.writable.wait(on: self, detail: WaitKind.send.rawValue, until: deadline) {}
        }
    }

    /// Writes a body known in full without flushing it: the end that follows sends head,
    /// body and end in one write.
    func writeWholeBody(_ bytes: [UInt8]) throws {
        try checkConnected()
        guard !bytes.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    }

    /// Ends the response and waits until it is sent.
    func writeEnd(deadline: GreenDeadline) throws {
        let sent = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: sent)
        do {
            try sent.futureResult.greenWait(until: deadline)
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.connectionClosed, "the client closed the connection before the response was sent", underlying: error)
        }
    }

    private func checkConnected() throws {
        if parts.isClosed {
            throw GreenNetError(.connectionClosed, "the client closed the connection before the response was sent")
        }
    }

    /// Ends a connection whose client may still be sending a request body the handler did
    /// not read: shuts this side's output (the client reads the response to its end), then
    /// reads and drops what comes until the client closes or `deadline`. Closing at once
    /// with unread bytes would reset the connection, and a reset can destroy the response
    /// before the client reads it.
    func closeAfterDiscardingInput(until deadline: GreenDeadline) {
        channel.close(mode: .output, promise: nil)
        while true {
            switch try? next(deadline) {
            case .head, .body, .end: continue
            case .malformed, .closed, nil: return
            }
        }
    }

    /// Tells a client that sent `Expect: 100-continue` to go on with the body.
    func sendContinue(version: HTTPVersion) {
        channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: .continue)), promise: nil)
    }

    func close() {
        wakeSource.end()
        channel.close(promise: nil)
    }
}

/// Keeps the decoded request parts of one connection for its greenlet.
///
/// The channel runs with `autoRead` off. While fewer than ``readAheadParts`` parts and
/// ``readAheadBytes`` body bytes wait here, the handler asks for the next read as soon as
/// one completes, so the socket stays registered for reading between keep-alive requests
/// (NIO would otherwise drop and re-add its interest, two `epoll_ctl` calls a request); past
/// either bound it stops, and a greenlet that does not read its request body pushes back
/// on the client.
final class GreenHTTPPartsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    /// The most parts buffered before the socket stops reading ahead.
    static let readAheadParts = 32
    /// The most body bytes buffered before the socket stops reading ahead.
    static let readAheadBytes = 64 * 1024

    private var queued = Deque<HTTPServerRequestPart>()
    private var queuedBodyBytes = 0
    private(set) var failure: (any Error)?
    private(set) var inputClosed = false
    /// The channel is closed: nothing more can be sent.
    private(set) var isClosed = false
    let event = GreenSignal()
    /// Wakes the greenlet writing a response body when the channel may take more bytes.
    let writable = GreenSignal()

    func take() -> HTTPServerRequestPart? {
        let part = queued.popFirst()
        if case .body(let buffer) = part {
            queuedBodyBytes -= buffer.readableBytes
        }
        return part
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        if case .body(let buffer) = part {
            queuedBodyBytes += buffer.readableBytes
        }
        queued.append(part)
        event.signal()
    }

    /// Reads ahead while little is buffered (see the type's notes); a read that brought
    /// only part of a request leaves no read pending otherwise.
    func channelReadComplete(context: ChannelHandlerContext) {
        if !inputClosed, queued.count < Self.readAheadParts, queuedBodyBytes < Self.readAheadBytes {
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable.signal()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            self.event.signal()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        event.signal()
        writable.signal()
    }
}

extension GreenHTTPServerConnection: WaitDescribing {
    /// What a connection's greenlet waits for, for the hub's deadlock report.
    enum WaitKind: UInt8 {
        case request, send
    }

    /// The client's address, for logs and reports.
    var peer: String {
        channel.remoteAddress.map { "\($0)" } ?? "unknown"
    }

    func describeWait(_ detail: UInt8) -> String {
        WaitKind(rawValue: detail) == .send ? "room to send to \(peer)" : "an HTTP request from \(peer)"
    }
}
