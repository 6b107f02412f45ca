import GreenHub
import Greenlets
import NIOCore
import NIOPosix
import WeaveDurations

/// A byte stream with a blocking-style API for green code: a TCP connection (optionally
/// TLS), a Unix-domain socket connection, or a subprocess's pipe — gevent's
/// `gevent.socket.socket` (`socket.create_connection`, `recv`, `sendall`,
/// `makefile().readline`, `shutdown`, `close`), with `tls:` its `gevent.ssl.SSLSocket`.
///
/// Each blocking call suspends only the calling greenlet; the hub's event loop keeps
/// serving every other connection meanwhile. Every call takes a `timeout:` in seconds,
/// which overrides the connection's default ``timeout`` (`settimeout`); when it runs out the
/// call throws ``/GreenHub/GreenTimeoutError`` and the connection stays usable.
///
/// The socket reads only while a greenlet waits for bytes that are not buffered yet
/// (NIO's `autoRead` is off), so a slow reader makes the peer slow down instead of growing
/// memory.
///
/// A connection belongs to the hub of the thread that made it: make every call on that
/// thread, from any greenlet (one reader and one writer at a time).
///
/// ```swift
/// let connection = try GreenStream.connect(host: "example.com", port: 80, timeout: 5)
/// try connection.send("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n")
/// let statusLine = try connection.readLine()
/// connection.close()
/// ```
public final class GreenStream {
    let channel: any Channel
    let handler: GreenStreamHandler
    /// The greenlet runtime of the thread whose hub opened or accepted the connection.
    private let hubThread = Greenlet.threadIdentity
    private var closedLocally = false
    private var wakeSource = GreenWakeSource()
    private var outputShut = false
    /// The buffer of the last `[UInt8]` or `String` send, kept to fill again.
    var keptSendBuffer: ByteBuffer?

    /// The default timeout, in seconds, of every blocking call on this connection that
    /// does not pass its own — `settimeout(seconds)`; `nil` (the default) waits for ever.
    public var timeout: Double?

    init(channel: any Channel, handler: GreenStreamHandler) {
        self.channel = channel
        self.handler = handler
    }

    deinit {
        if !closedLocally {
            channel.close(promise: nil)
        }
    }

    // MARK: Connecting

    /// Opens a TCP connection, suspending only the calling greenlet while the name resolves
    /// (on a background thread, never on the hub) and the connection (and the TLS
    /// handshake) completes — `socket.create_connection((host, port), timeout)`, and with
    /// `tls:` `ssl_context.wrap_socket(..., server_hostname=host)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - host: A host name or an IPv4/IPv6 address.
    ///   - port: The port, 1...65535.
    ///   - timeout: Seconds for the connection and handshake; `nil` leaves it to the system.
    ///     Also becomes the connection's default ``timeout``.
    ///   - tls: A TLS client configuration to speak TLS over the connection; certificates
    ///     are verified unless the configuration explicitly turned that off.
    /// - Throws: ``GreenNetError`` `.connectFailed`, `.tlsFailed` or `.invalidArgument`;
    ///   ``/GreenHub/GreenTimeoutError`` when `timeout` runs out.
    @DurationOverload
    public static func connect(
        host: String,
        port: Int,
        timeout: Double? = nil,
        tls: GreenTLSConfiguration? = nil
    ) throws -> GreenStream {
        try GreenAddress.check(host: host, port: port)
        let deadline = try GreenDeadline(timeout)
        let connecting = bootstrap(timeout: timeout, tls: tls, host: host, port: port).connect(host: host, port: port)
        let channel: any Channel
        do {
            channel = try connecting.greenWait(until: deadline)
        } catch {
            // Given up on (a timeout, an interruption): close it if it connects after all.
            connecting.whenSuccess { $0.close(promise: nil) }
            if let failure = error as? ChannelError, case .connectTimeout = failure {
                throw GreenTimeoutError(seconds: timeout ?? 0)
            }
            if GreenNetError.isTLS(error) {
                throw GreenNetError(.tlsFailed, "the TLS connection to \(host):\(port) could not be set up", underlying: error)
            }
            if GreenNetError.isTransport(error) {
                throw GreenNetError(.connectFailed, "could not connect to \(host):\(port); check the address and that a server listens there", underlying: error)
            }
            throw error
        }
        let handler = try channel.pipeline.syncOperations.handler(type: GreenStreamHandler.self)
        let connection = GreenStream(channel: channel, handler: handler)
        connection.timeout = timeout
        if tls != nil {
            do {
                try connection.waitForHandshake(deadline)
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    /// Connects to a Unix-domain socket at `path` —
    /// `socket(AF_UNIX, SOCK_STREAM).connect(path)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - path: The socket file's path.
    ///   - timeout: Seconds to connect; also the connection's default ``timeout``.
    /// - Throws: ``GreenNetError`` `.connectFailed` or `.invalidArgument`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public static func connect(unixDomainSocketPath path: String, timeout: Double? = nil) throws -> GreenStream {
        try GreenAddress.check(unixDomainSocketPath: path)
        let deadline = try GreenDeadline(timeout)
        let connecting = bootstrap(timeout: timeout, tls: nil, host: path).connect(unixDomainSocketPath: path)
        let channel: any Channel
        do {
            channel = try connecting.greenWait(until: deadline)
        } catch {
            connecting.whenSuccess { $0.close(promise: nil) }
            if GreenNetError.isTransport(error) {
                throw GreenNetError(.connectFailed, "could not connect to the Unix-domain socket \(path); check that a server listens there", underlying: error)
            }
            throw error
        }
        let stream = GreenStream(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: GreenStreamHandler.self))
        stream.timeout = timeout
        return stream
    }

    /// A client bootstrap on the hub's loop: reads on demand, half-closure allowed, and
    /// the stream handler (after a TLS handler for `tls`) in the pipeline.
    private static func bootstrap(timeout: Double?, tls: GreenTLSConfiguration?, host: String, port: Int = 0) -> ClientBootstrap {
        let loop = Hub.current.eventLoop!
        return ClientBootstrap(group: loop)
            .resolver(GreenResolver(host: host, port: port, loop: loop))
            .channelOption(.autoRead, value: false)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(timeout.map { .nanoseconds(Int64(min($0, 1e9) * 1e9)) } ?? .hours(24))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(tls.makeClientHandler(host: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(GreenStreamHandler())
                }
            }
    }

    /// Waits until the TLS handshake has completed, or throws why it failed.
    func waitForHandshake(_ deadline: GreenDeadline) throws {
        while !handler.handshakeDone {
            if let failure = handler.failure {
                throw GreenNetError(.tlsFailed, "the TLS handshake failed; check the certificate, the host name and the trust roots", underlying: failure)
            }
            if handler.inputClosed {
                throw GreenNetError(.tlsFailed, "the peer closed the connection during the TLS handshake")
            }
            try waitForEvent(deadline)
        }
    }

    // MARK: State

    /// Whether the connection is closed: by ``close()``, or entirely (after its bytes have
    /// all been read). A peer that only shut its output shows as the end of the stream in
    /// `receive`, not here.
    public var isClosed: Bool { closedLocally || (handler.isClosed && handler.buffer.readableBytes == 0) }

    /// The peer's address — `getpeername()`.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// This side's address — `getsockname()`.
    public var localAddress: SocketAddress? { channel.localAddress }

    /// The application protocol that client and server agreed on in the TLS handshake
    /// (ALPN), such as `"h2"` — `SSLSocket.selected_alpn_protocol()`.
    ///
    /// `nil` without TLS, when either side offered no protocols or they had none in
    /// common, and before the handshake has completed: a client's ``connect(host:port:timeout:tls:)-(_,_,Double?,_)``
    /// returns after it, while an accepted server connection completes it during its first
    /// `receive` or `readLine`. Call on the hub's thread.
    public var negotiatedApplicationProtocol: String? { handler.negotiatedProtocol }

    // MARK: Closing

    /// Closes this side's output; the peer reads end-of-stream, and this side can still
    /// receive — `shutdown(socket.SHUT_WR)`.
    ///
    /// - Throws: `GreenNetError.connectionClosed` if the connection is closed.
    public func shutdownOutput() throws {
        try checkOpen()
        guard !outputShut else { return }
        outputShut = true
        let deadline = try GreenDeadline(timeout)
        do {
            try channel.close(mode: .output).greenWait(until: deadline)
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.connectionClosed, "the connection closed before its output could be shut down", underlying: error)
        }
    }

    /// Closes the connection — `close()`. Bytes not yet read are dropped; bytes sent and
    /// still buffered are delivered first (as the kernel lingers on a closed socket's
    /// data). Closing twice does nothing.
    ///
    /// Call on the hub's thread. The socket closes asynchronously; this never blocks.
    public func close() {
        guard !closedLocally else { return }
        closedLocally = true
        wakeSource.end()
        let buffered = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard buffered > 0 else {
            channel.close(promise: nil)
            return
        }
        let channel = self.channel
        let flushed = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0), promise: flushed)
        flushed.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    func checkOpen() throws {
        try checkThread()
        if closedLocally {
            throw GreenNetError(.connectionClosed, "this connection was closed by close(); open a new one")
        }
    }

    /// Throws unless called on the thread whose hub opened or accepted the connection (in
    /// a forked child, say, a connection inherited from the parent belongs to the parent's
    /// hub, which the child never runs).
    func checkThread() throws {
        // The check `Hub.checkThread()` makes: a thread-local load, where asking the
        // channel's event loop would take two calls through existentials per call.
        guard Greenlet.threadIdentity == hubThread else {
            throw GreenNetError(.wrongThread, "this connection belongs to another thread's hub; use it on the thread that opened or accepted it")
        }
    }

    /// Waits in the running greenlet until the handler reports something (bytes, the end
    /// of input, an error, a finished handshake), asking the socket for one read.
    func waitForEvent(_ deadline: GreenDeadline) throws {
        try handler.event.wait(on: self, detail: WaitKind.receive.rawValue, until: deadline) {
            handler.requestRead()
        }
    }
}

extension GreenStream: WaitDescribing {
    /// What a greenlet waits for on a connection, for the hub's deadlock report.
    enum WaitKind: UInt8 {
        case receive, send
    }

    @usableFromInline package func describeWait(_ detail: UInt8) -> String {
        let peer = String(describing: channel.remoteAddress)
        return WaitKind(rawValue: detail) == .send ? "room to send to \(peer)" : "bytes from \(peer)"
    }
}
