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
            try parts.event.wait(for: "an HTTP request from \(String(describing: self.channel.remoteAddress))", until: deadline) {
                channel.read()
            }
        }
    }

    /// Writes a whole response and waits until it is sent.
    func write(_ response: GreenHTTPResponse, version: HTTPVersion, keepAlive: Bool, bodyAllowed: Bool, deadline: GreenDeadline) throws {
        var headers = HTTPHeaders()
        for (name, value) in response.headers {
            switch name.lowercased() {
            case "content-length", "connection", "transfer-encoding": continue
            default: headers.add(name: name, value: value)
            }
        }
        let status = (100...999).contains(response.status) ? response.status : 500
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        if bodyAllowed, !response.body.isEmpty {
            var buffer = channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
        let sent = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: sent)
        do {
            try sent.futureResult.greenWait(until: deadline)
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.connectionClosed, "the client closed the connection before the response was sent", underlying: error)
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
final class GreenHTTPPartsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    private var queued = Deque<HTTPServerRequestPart>()
    private(set) var failure: (any Error)?
    private(set) var inputClosed = false
    let event = GreenSignal()

    func take() -> HTTPServerRequestPart? {
        queued.popFirst()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queued.append(Self.unwrapInboundIn(data))
        event.signal()
    }

    /// A read that brought only part of a request leaves no read pending (`autoRead` is
    /// off), so while the connection's greenlet still waits for a part, ask for the rest.
    func channelReadComplete(context: ChannelHandlerContext) {
        if queued.isEmpty, !inputClosed, event.hasWaiter {
            context.read()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inputClosed = true
        event.signal()
        context.fireChannelInactive()
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
    }
}
