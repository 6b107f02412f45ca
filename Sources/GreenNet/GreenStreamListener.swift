import GreenHub
import NIOCore
import WeaveDurations

/// A listening TCP (optionally TLS) socket whose `accept` suspends only the calling
/// greenlet — gevent's listening `socket` (`bind`, `listen`, `accept`).
///
/// The socket accepts only while a greenlet waits in ``accept(timeout:)-(Double?)`` and no accepted
/// connection is queued (NIO's `autoRead` is off on it too), so connections wait in the
/// kernel's backlog rather than in memory.
///
/// A listener belongs to the hub of the thread that made it: make every call on that
/// thread. ``GreenStreamServer`` runs the usual accept loop for you.
public final class GreenStreamListener {
    private let listener: GreenChannelListener

    /// The port the listener is bound to (the one the system picked, for port 0).
    public var port: Int { listener.port }

    /// The default timeout, in seconds, of ``accept(timeout:)-(Double?)`` calls that do not pass
    /// their own — `settimeout(seconds)`; `nil` waits for ever.
    public var timeout: Double?

    private init(listener: GreenChannelListener) {
        self.listener = listener
    }

    /// Binds and listens, suspending only the calling greenlet —
    /// `socket.create_server((host, port), backlog=backlog, reuse_port=reusePort)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - host: The address to bind: `"127.0.0.1"` (the default, loopback only),
    ///     `"0.0.0.0"` or `"::"` for every interface, or a host name.
    ///   - port: The port; 0 (the default) lets the system pick one (read ``port``).
    ///   - backlog: Connections the kernel queues before accept.
    ///   - reusePort: Sets `SO_REUSEPORT`, so several hubs (threads) can listen on one port
    ///     and the kernel spreads the connections among them.
    ///   - tls: A server TLS configuration: every accepted connection then speaks TLS.
    /// - Throws: ``GreenNetError`` `.bindFailed` or `.invalidArgument`.
    public static func listen(
        host: String = "127.0.0.1",
        port: Int = 0,
        backlog: Int = 256,
        reusePort: Bool = false,
        tls: GreenTLSConfiguration? = nil
    ) throws -> GreenStreamListener {
        if let tls, tls.isClient {
            throw GreenNetError(.invalidArgument, "a client TLS configuration was given to a listener; use GreenTLSConfiguration.server(...)")
        }
        return try listen(.tcp(host: host, port: port), backlog: backlog, reusePort: reusePort, tls: tls)
    }

    /// Binds and listens on a Unix-domain socket at `path`, replacing a stale socket file
    /// there — `socket(AF_UNIX).bind(path); listen()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: ``GreenNetError`` `.bindFailed` or `.invalidArgument`.
    public static func listen(unixDomainSocketPath path: String, backlog: Int = 256) throws -> GreenStreamListener {
        try listen(.unixDomainSocket(path: path), backlog: backlog, reusePort: false, tls: nil)
    }

    private static func listen(
        _ target: GreenChannelListener.Target,
        backlog: Int,
        reusePort: Bool,
        tls: GreenTLSConfiguration?
    ) throws -> GreenStreamListener {
        let listener = try GreenChannelListener.bind(target, backlog: backlog, reusePort: reusePort) { channel in
            if let tls {
                try channel.pipeline.syncOperations.addHandler(tls.makeServerHandler())
            }
            try channel.pipeline.syncOperations.addHandler(GreenStreamHandler())
        }
        return GreenStreamListener(listener: listener)
    }

    /// Waits in the calling greenlet for the next connection and returns it — `accept()`.
    ///
    /// Call on the hub's thread.
    /// - Parameter timeout: Seconds to wait; `nil` uses the listener's ``timeout``.
    /// - Throws: `GreenNetError.serverStopped` once the listener is closed;
    ///   `.bindFailed` when accepting fails (out of file descriptors: raise `ulimit -n`);
    ///   ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func accept(timeout: Double? = nil) throws -> GreenStream {
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        while true {
            let channel = try listener.accept(deadline)
            // A connection the peer closed before it was taken has lost its handlers: skip it.
            if let handler = try? channel.pipeline.syncOperations.handler(type: GreenStreamHandler.self) {
                return GreenStream(channel: channel, handler: handler)
            }
        }
    }

    /// Stops listening; connections already accepted stay open, queued ones are closed —
    /// `close()`. A greenlet waiting in `accept` gets `GreenNetError.serverStopped`.
    ///
    /// Call on the hub's thread. Closing twice does nothing.
    public func close() {
        listener.close()
    }
}
