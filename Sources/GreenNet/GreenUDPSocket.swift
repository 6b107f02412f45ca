import DequeModule
import GreenHub
import NIOCore
import NIOPosix
import WeaveDurations

/// A UDP socket with a blocking-style API for green code — gevent's datagram
/// `gevent.socket.socket(AF_INET, SOCK_DGRAM)` (`bind`, `sendto`, `recvfrom`, `close`).
///
/// The socket reads only while a greenlet waits in ``receive(timeout:)-(Double?)`` and no datagram is
/// queued, so unread datagrams stay in (and overflow from) the kernel's buffer, never in
/// memory here.
///
/// A socket belongs to the hub of the thread that made it: make every call on that thread.
///
/// ```swift
/// let socket = try GreenUDPSocket.bind()
/// try socket.send(Array("ping".utf8), to: "127.0.0.1", port: 9999)
/// let (reply, sender) = try socket.receive(timeout: 1)
/// ```
public final class GreenUDPSocket {
    let channel: any Channel
    private let handler: GreenDatagramHandler
    private var closedLocally = false
    private var wakeSource = GreenWakeSource()

    /// The default timeout, in seconds, of calls that do not pass their own —
    /// `settimeout(seconds)`; `nil` waits for ever.
    public var timeout: Double?

    /// The local port (the one the system picked, for port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, handler: GreenDatagramHandler) {
        self.channel = channel
        self.handler = handler
    }

    deinit {
        if !closedLocally {
            channel.close(promise: nil)
        }
    }

    /// Opens a UDP socket bound to `host`:`port` — `socket(AF_INET, SOCK_DGRAM).bind((host, port))`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - host: The local address: `"127.0.0.1"` (the default), `"0.0.0.0"`, `"::"`. A
    ///     socket that receives multicast binds the wildcard address (or the group's).
    ///   - port: The local port; 0 (the default) lets the system pick one.
    ///   - reuseAddress: Sets `SO_REUSEADDR` — `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)` —
    ///     so that several sockets can bind one port, each receiving the groups it joined.
    /// - Throws: `GreenNetError.bindFailed` or `.invalidArgument`.
    public static func bind(host: String = "127.0.0.1", port: Int = 0, reuseAddress: Bool = false) throws -> GreenUDPSocket {
        guard !host.isEmpty else {
            throw GreenNetError(.invalidArgument, "the host to bind is empty; pass \"127.0.0.1\", \"0.0.0.0\" or \"::\"")
        }
        try GreenAddress.check(port: port, allowZero: true)
        let bootstrap = DatagramBootstrap(group: Hub.current.eventLoop)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_reuseaddr), value: reuseAddress ? 1 : 0)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GreenDatagramHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).greenWait(until: GreenDeadline(nil))
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.bindFailed, "could not bind UDP \(host):\(port); the port may be in use", underlying: error)
        }
        let handler = try channel.pipeline.syncOperations.handler(type: GreenDatagramHandler.self)
        return GreenUDPSocket(channel: channel, handler: handler)
    }

    /// Sends one datagram — `sendto(data, (host, port))`.
    ///
    /// Call on the hub's thread. A host name is resolved with ``GreenDNS``, off the hub.
    /// - Throws: ``GreenNetError`` `.connectionClosed`, `.nameResolutionFailed`,
    ///   `.invalidArgument`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func send(_ bytes: [UInt8], to host: String, port: Int, timeout: Double? = nil) throws {
        try checkOpen()
        try GreenAddress.check(host: host, port: port)
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        let address: SocketAddress
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            address = literal
        } else if let resolved = try GreenDNS.resolve(host: host, port: port).first {
            address = resolved
        } else {
            throw GreenNetError(.nameResolutionFailed, "\(host) resolved to no address")
        }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let sent = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: sent)
        do {
            try sent.futureResult.greenWait(until: deadline)
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.connectionClosed, "the datagram to \(host):\(port) could not be sent", underlying: error)
        }
    }

    /// Waits in the calling greenlet for the next datagram — `recvfrom(bufsize)`.
    ///
    /// Call on the hub's thread.
    /// - Parameter timeout: Seconds to wait; `nil` uses the socket's ``timeout``.
    /// - Returns: The datagram's bytes and who sent it.
    /// - Throws: `GreenNetError.connectionClosed` once closed; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func receive(timeout: Double? = nil) throws -> (bytes: [UInt8], sender: SocketAddress) {
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        while true {
            try checkOpen()
            if var datagram = handler.take() {
                return (datagram.data.readBytes(length: datagram.data.readableBytes) ?? [], datagram.remoteAddress)
            }
            if handler.isClosed {
                throw GreenNetError(.connectionClosed, "the UDP socket is closed; bind a new one")
            }
            try handler.event.wait(on: self, detail: 0, until: deadline) {
                channel.read()
            }
        }
    }

    /// Closes the socket — `close()`. Closing twice does nothing.
    public func close() {
        guard !closedLocally else { return }
        closedLocally = true
        wakeSource.end()
        channel.close(promise: nil)
    }

    func checkOpen() throws {
        if closedLocally {
            throw GreenNetError(.connectionClosed, "this UDP socket was closed by close(); bind a new one")
        }
    }
}

/// Keeps received datagrams for the socket's greenlet.
final class GreenDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private var queued = Deque<AddressedEnvelope<ByteBuffer>>()
    private(set) var isClosed = false
    let event = GreenSignal()

    func take() -> AddressedEnvelope<ByteBuffer>? {
        queued.popFirst()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queued.append(Self.unwrapInboundIn(data))
        event.signal()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        event.signal()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket survives errors such as ICMP port unreachable; keep going.
        event.signal()
    }
}

extension GreenUDPSocket: WaitDescribing {
    @usableFromInline package func describeWait(_ detail: UInt8) -> String {
        "a datagram on UDP port \(port)"
    }
}
