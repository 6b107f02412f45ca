import GreenHub
import Logging
import WeaveDurations

/// A TCP (optionally TLS) server that runs one green thread per connection —
/// `gevent.server.StreamServer(listener, handle, spawn=Pool(max))`.
///
/// ```swift
/// let server = try GreenStreamServer(port: 0, maxConnections: 1000) { connection in
///     while let line = try connection.readLine() {
///         try connection.send(line + "\n")
///     }
/// }
/// server.start()
/// // ...
/// try server.stop(timeout: 5)
/// ```
///
/// A handler's connection is closed when the handler returns or throws; an error it throws
/// is logged to ``logger`` at `error` and ends only that connection. At most `maxConnections`
/// handlers run at once: beyond that the server stops accepting and new connections wait
/// in the kernel's backlog.
///
/// A server belongs to the hub of the thread that made it: make every call on that thread.
public final class GreenStreamServer {
    private let listener: GreenStreamListener
    private let loop: GreenServerLoop<GreenStream>

    /// The most connections handled at once; `nil` means no limit.
    public var maxConnections: Int? { loop.maxConnections }

    /// Where the server reports: errors thrown by handlers at `error` (with the peer in
    /// the metadata), each accepted connection at `trace`. By default the label
    /// `weave.greennet.server`, through whatever `LoggingSystem` the program bootstrapped.
    public var logger: Logger {
        get { loop.logger }
        set { loop.logger = newValue }
    }

    /// The port the server listens on (the one the system picked, for port 0).
    public var port: Int { listener.port }

    /// The connections being handled now.
    public var activeConnections: Int { loop.activeConnections }

    /// Creates a server on a listener made by the caller.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - listener: Where connections come from; the server closes it when it stops.
    ///   - maxConnections: The most connections handled at once (at least 1); `nil`, no limit.
    ///   - handler: Runs in a new green thread for each connection.
    /// - Throws: `GreenNetError.invalidArgument` for a `maxConnections` below 1.
    public init(
        listener: GreenStreamListener,
        maxConnections: Int? = nil,
        handler: @escaping (GreenStream) throws -> Void
    ) throws {
        self.listener = listener
        loop = try GreenServerLoop(
            label: "GreenStreamServer:\(listener.port)",
            kind: "stream",
            port: listener.port,
            maxConnections: maxConnections,
            accept: { try listener.accept() },
            closeListener: { listener.close() },
            closeConnection: { $0.close() },
            peer: { $0.remoteAddress.map { "\($0)" } ?? "unknown" },
            handler: handler)
    }

    /// Listens on `host`:`port` and creates a server there — `StreamServer((host, port), handle)`.
    ///
    /// Call on the hub's thread. The parameters are those of
    /// ``GreenStreamListener/listen(host:port:backlog:reusePort:tls:)`` and
    /// ``init(listener:maxConnections:handler:)``.
    public convenience init(
        host: String = "127.0.0.1",
        port: Int = 0,
        maxConnections: Int? = nil,
        reusePort: Bool = false,
        tls: GreenTLSConfiguration? = nil,
        handler: @escaping (GreenStream) throws -> Void
    ) throws {
        let listener = try GreenStreamListener.listen(host: host, port: port, reusePort: reusePort, tls: tls)
        try self.init(listener: listener, maxConnections: maxConnections, handler: handler)
    }

    /// Starts accepting in a green thread and returns at once — `start()`. Starting a
    /// started server does nothing.
    public func start() {
        loop.start()
    }

    /// Starts the server and waits until it is stopped — `serve_forever()`.
    ///
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout).
    public func serveForever() throws {
        try loop.serveForever()
    }

    /// Stops the server gracefully — `stop(timeout)`: it stops accepting at once, lets the
    /// running handlers finish for up to `timeout` seconds, then kills those left (they
    /// get ``/Greenlets/GreenletExit`` at their current wait) and closes their connections.
    ///
    /// Call on the hub's thread, from a greenlet other than the server's handlers.
    /// - Throws: An error raised in the calling greenlet meanwhile.
    @DurationOverload
    public func stop(timeout: Double = 1) throws {
        try loop.stop(timeout: timeout)
    }
}
