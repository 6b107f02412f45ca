import GreenHub
import Greenlets
import Logging
import NIOCore
import NIOHTTP1
import WeaveDurations

/// An HTTP/1.1 server that runs a handler `(GreenHTTPRequest) throws -> GreenHTTPResponse`
/// in green code — gevent's `pywsgi.WSGIServer`.
///
/// Each connection gets a green thread, which answers its requests one after another (so
/// pipelined requests are answered in order, over keep-alive connections). A handler may
/// block as any green code does: sleep, call HTTP, wait on queues. A handler that throws
/// gets the client a 500 and its error logged to ``logger`` at `error`, with the request
/// in the metadata. Bytes that are not valid
/// HTTP get a 400 and the connection closed; too large a head gets a 431 and too large a
/// body a 413. A connection idle between requests longer than
/// ``Limits-swift.struct/idleTimeout`` is closed; a request that does not arrive in full
/// within ``Limits-swift.struct/readTimeout`` gets a 408.
///
/// ```swift
/// let server = try GreenHTTPServer(port: 8080) { request in
///     try Green.sleep(0.1)
///     return GreenHTTPResponse(text: "hello from \(request.path)\n")
/// }
/// try server.serveForever()
/// ```
///
/// A handler that must not hold a whole body in memory takes the streaming form
/// ``init(host:port:maxConnections:reusePort:tls:limits:streamingHandler:)``: it reads the
/// request body piece by piece from a ``GreenHTTPBodyReader`` and answers with a
/// ``GreenHTTPStreamingResponse`` whose body it writes piece by piece.
///
/// A server belongs to the hub of the thread that made it: make every call on that thread.
public final class GreenHTTPServer {
    /// Bounds on what a client may send — pywsgi's `MAX_REQUEST_LINE` and friends.
    public struct Limits: Sendable {
        /// The largest request head (request line and header fields), in bytes.
        public var maxHeaderBytes = 16 * 1024
        /// The largest request body a handler gets whole, in bytes. A streaming handler
        /// reads bodies of any size through ``GreenHTTPBodyReader``.
        public var maxBodyBytes = 1024 * 1024
        /// The most unread request-body bytes the server reads and drops after a
        /// streaming handler's response, to serve the connection's next request. A
        /// longer rest (or a chunked one of unknown length) closes the connection instead.
        public var maxDrainBytes = 256 * 1024
        /// Seconds for the rest of a request to arrive once its head has begun.
        public var readTimeout: Double = 30
        /// Seconds a keep-alive connection may sit idle between requests.
        public var idleTimeout: Double = 60

        /// The defaults: 16 KiB of head, 1 MiB of body, 256 KiB to drain, 30 s to read,
        /// 60 s idle.
        public init() {}
    }

    private let listener: GreenChannelListener
    private var loop: GreenServerLoop<GreenHTTPServerConnection>!
    private let handler: (GreenHTTPRequest, GreenHTTPBodyReader) throws -> GreenHTTPStreamingResponse

    /// The limits in force.
    public let limits: Limits

    /// Where the server reports: a handler's error (answered with a 500) and a response
    /// body that could not be written whole at `error`, with the request and the peer in
    /// the metadata; each accepted connection at `trace`. By default the label
    /// `weave.greennet.server`, through whatever `LoggingSystem` the program bootstrapped.
    public var logger: Logger {
        get { loop.logger }
        set { loop.logger = newValue }
    }

    /// The port the server listens on (the one the system picked, for port 0).
    public var port: Int { listener.port }

    /// The connections being served now.
    public var activeConnections: Int { loop.activeConnections }

    /// Listens on `host`:`port` — `WSGIServer((host, port), application)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - host: The address to bind; loopback by default.
    ///   - port: The port; 0 lets the system pick one (read ``port``).
    ///   - maxConnections: The most connections served at once; `nil`, no limit.
    ///   - reusePort: Sets `SO_REUSEPORT`, for one server per hub on a shared port.
    ///   - tls: A server TLS configuration, to serve HTTPS.
    ///   - limits: Size and time bounds on requests.
    ///   - handler: Answers one request, its body read whole; runs in the connection's
    ///     green thread.
    /// - Throws: ``GreenNetError`` `.bindFailed` or `.invalidArgument`.
    public convenience init(
        host: String = "127.0.0.1",
        port: Int = 0,
        maxConnections: Int? = nil,
        reusePort: Bool = false,
        tls: GreenTLSConfiguration? = nil,
        limits: Limits = Limits(),
        handler: @escaping (GreenHTTPRequest) throws -> GreenHTTPResponse
    ) throws {
        try self.init(
            host: host, port: port, maxConnections: maxConnections, reusePort: reusePort, tls: tls, limits: limits
        ) { request, body in
            var whole = request
            whole.body = try body.readAll(maxBytes: limits.maxBodyBytes)
            return GreenHTTPStreamingResponse(try handler(whole))
        }
    }

    /// Listens on `host`:`port` with a handler that streams request and response bodies —
    /// `WSGIServer((host, port), application)` with an application that reads
    /// `wsgi.input` piece by piece and returns an iterable body.
    ///
    /// ```swift
    /// let server = try GreenHTTPServer { request, body in
    ///     var received = 0
    ///     while let piece = try body.read() {
    ///         received += piece.count
    ///     }
    ///     return GreenHTTPStreamingResponse { writer in
    ///         try writer.write("received \(received) bytes\n")
    ///     }
    /// }
    /// ```
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - host: The address to bind; loopback by default.
    ///   - port: The port; 0 lets the system pick one (read ``port``).
    ///   - maxConnections: The most connections served at once; `nil`, no limit.
    ///   - reusePort: Sets `SO_REUSEPORT`, for one server per hub on a shared port.
    ///   - tls: A server TLS configuration, to serve HTTPS.
    ///   - limits: Size and time bounds on requests (``Limits-swift.struct/maxBodyBytes``
    ///     does not bound streamed bodies).
    ///   - streamingHandler: Answers one request, given without its body (`body` is
    ///     empty) and a reader of that body; runs in the connection's green thread. The
    ///     response's body closure runs after the head is sent, and may read more of the
    ///     request body meanwhile.
    /// - Throws: ``GreenNetError`` `.bindFailed` or `.invalidArgument`.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        maxConnections: Int? = nil,
        reusePort: Bool = false,
        tls: GreenTLSConfiguration? = nil,
        limits: Limits = Limits(),
        streamingHandler: @escaping (GreenHTTPRequest, GreenHTTPBodyReader) throws -> GreenHTTPStreamingResponse
    ) throws {
        if let tls, tls.isClient {
            throw GreenNetError(.invalidArgument, "a client TLS configuration was given to a server; use GreenTLSConfiguration.server(...)")
        }
        guard limits.maxHeaderBytes > 0, limits.maxBodyBytes >= 0, limits.maxDrainBytes >= 0,
            limits.readTimeout > 0, limits.idleTimeout > 0
        else {
            throw GreenNetError(.invalidArgument, "the HTTP server limits must be positive: \(limits)")
        }
        self.limits = limits
        self.handler = streamingHandler
        let listener = try GreenChannelListener.bind(.tcp(host: host, port: port), backlog: 256, reusePort: reusePort) { channel in
            let pipeline = channel.pipeline.syncOperations
            if let tls {
                try pipeline.addHandler(tls.makeServerHandler())
            }
            try pipeline.addHandler(HTTPResponseEncoder())
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(GreenHTTPPartsHandler())
        }
        self.listener = listener
        loop = try GreenServerLoop(
            label: "GreenHTTPServer:\(listener.port)",
            kind: "http",
            port: listener.port,
            maxConnections: maxConnections,
            accept: {
                while true {
                    let channel = try listener.accept(GreenDeadline(nil))
                    if let parts = try? channel.pipeline.syncOperations.handler(type: GreenHTTPPartsHandler.self) {
                        return GreenHTTPServerConnection(channel: channel, parts: parts)
                    }
                }
            },
            closeListener: { listener.close() },
            closeConnection: { $0.close() },
            onStop: { connection in
                // Keep-alive connections waiting for their next request end now.
                if connection.isIdle { connection.close() }
            },
            peer: \.peer,
            handler: { [unowned self] connection in try serve(connection) })
    }

    /// Starts serving in a green thread and returns at once — `start()`.
    public func start() {
        loop.start()
    }

    /// Starts the server and waits until it is stopped — `serve_forever()`.
    ///
    /// - Throws: An error raised in the waiting greenlet (a kill, a scoped timeout).
    public func serveForever() throws {
        try loop.serveForever()
    }

    /// Stops the server gracefully — `stop(timeout)`: no new connections; requests in
    /// progress get up to `timeout` seconds to finish (their connections then close), after
    /// which the handlers left are killed. Idle keep-alive connections close at once.
    ///
    /// Call on the hub's thread, from a greenlet other than the server's handlers.
    @DurationOverload
    public func stop(timeout: Double = 1) throws {
        try loop.stop(timeout: timeout)
    }

    // MARK: Serving one connection

    private func serve(_ connection: GreenHTTPServerConnection) throws {
        while !loop.isStopping {
            let head: HTTPRequestHead
            connection.isIdle = true
            do {
                switch try connection.next(GreenDeadline(limits.idleTimeout)) {
                case .head(let received):
                    head = received
                case .malformed(let error):
                    try reject(connection, 400, "Bad Request", cause: error)
                    return
                case .body, .end, .closed:
                    return
                }
            } catch is GreenTimeoutError {
                return
            }
            connection.isIdle = false
            loop.metrics.requestReceived()
            guard headSize(head) <= limits.maxHeaderBytes else {
                try reject(connection, 431, "Request Header Fields Too Large")
                return
            }
            let body = GreenHTTPBodyReader(connection: connection, head: head, timeout: limits.readTimeout)
            let request = GreenHTTPRequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                version: Self.versionName(head.version))
            let response: GreenHTTPStreamingResponse
            do {
                response = try handler(request, body)
            } catch let exit as GreenletExit {
                throw exit
            } catch {
                if let failure = body.failure {
                    try reject(connection, after: failure)
                    return
                }
                loop.logger.error(
                    "the handler failed; answered 500",
                    metadata: ["request": "\(head.method.rawValue) \(head.uri)", "peer": "\(connection.peer)", "error": "\(error)"])
                response = GreenHTTPStreamingResponse(GreenHTTPResponse(status: 500, text: "Internal Server Error\n"))
            }
            let bodyAllowed = head.method != .HEAD && response.status != 204 && response.status != 304
            let keepAlive = head.isKeepAlive && !loop.isStopping
                && response.header("Connection")?.equalsIgnoringASCIICase("close") != true
                && body.canDrain(upTo: limits.maxDrainBytes)
                // A client told nothing after `Expect: 100-continue` may or may not send
                // the body: the connection cannot be reused.
                && !body.owesContinue
                // An HTTP/1.0 body of unknown length ends with the connection.
                && (response.contentLength != nil || !bodyAllowed || head.version != .http1_0)
            let sent = try send(response, on: connection, version: head.version, keepAlive: keepAlive, bodyAllowed: bodyAllowed, request: head)
            guard sent else { return }
            if keepAlive, body.drain(until: try GreenDeadline(limits.readTimeout)) {
                continue
            }
            if !body.isComplete, body.failure == nil {
                connection.closeAfterDiscardingInput(until: try GreenDeadline(limits.readTimeout))
            }
            return
        }
    }

    /// Sends a response: its head, then its body as ``GreenHTTPStreamingResponse/writeBody``
    /// writes it, then its end.
    /// - Returns: Whether the whole response went out as framed; if not (the body closure
    ///   failed or fell short of its length) the error is logged and the connection must
    ///   close.
    private func send(
        _ response: GreenHTTPStreamingResponse,
        on connection: GreenHTTPServerConnection,
        version: HTTPVersion,
        keepAlive: Bool,
        bodyAllowed: Bool,
        request: HTTPRequestHead?
    ) throws -> Bool {
        connection.writeHead(
            status: response.status, headers: response.headers, contentLength: response.contentLength,
            version: version, keepAlive: keepAlive)
        if bodyAllowed, case .whole(let bytes) = response.body, bytes.count == response.contentLength {
            try connection.writeWholeBody(bytes)
        } else if bodyAllowed {
            let writer = GreenHTTPBodyWriter(connection: connection, declaredLength: response.contentLength, timeout: limits.readTimeout)
            do {
                try response.writeBody(writer)
            } catch let exit as GreenletExit {
                throw exit
            } catch {
                let target = request.map { "\($0.method.rawValue) \($0.uri)" } ?? "an error response"
                loop.logger.error(
                    "writing the response body failed; closing the connection",
                    metadata: ["request": "\(target)", "peer": "\(connection.peer)", "error": "\(error)"])
                return false
            }
            guard writer.isComplete else {
                loop.logger.error(
                    "the response body fell short of its Content-Length; closing the connection",
                    metadata: [
                        "request": "\(request.map { "\($0.method.rawValue) \($0.uri)" } ?? "an error response")",
                        "written": "\(writer.bytesWritten)", "contentLength": "\(response.contentLength ?? 0)",
                    ])
                return false
            }
        }
        try connection.writeEnd(deadline: GreenDeadline(limits.readTimeout))
        return true
    }

    /// Answers a request whose body could not be read as the reader's failure says:
    /// 408 for a timeout, 413 for too long a body, 400 for a malformed one.
    private func reject(_ connection: GreenHTTPServerConnection, after failure: GreenHTTPBodyReader.Failure) throws {
        switch failure {
        case .timedOut: try reject(connection, 408, "Request Timeout")
        case .tooLarge: try reject(connection, 413, "Content Too Large")
        case .malformed(let error): try reject(connection, 400, "Bad Request", cause: error)
        case .closed: return
        }
    }

    /// Answers with an error status and `Connection: close`; a failure that is not about
    /// HTTP (a reset) just ends the connection.
    private func reject(_ connection: GreenHTTPServerConnection, _ status: Int, _ reason: String, cause: (any Error)? = nil) throws {
        if let cause, !(cause is HTTPParserError) {
            return
        }
        do {
            _ = try send(
                GreenHTTPStreamingResponse(GreenHTTPResponse(status: status, text: reason + "\n")), on: connection,
                version: .http1_1, keepAlive: false, bodyAllowed: true, request: nil)
        } catch let error as GreenNetError where error.code == .connectionClosed {
            return
        } catch is GreenTimeoutError {
            return
        }
    }

    /// "HTTP/1.1" for `version`, without formatting a string for the usual two.
    private static func versionName(_ version: HTTPVersion) -> String {
        switch version {
        case .http1_1: "HTTP/1.1"
        case .http1_0: "HTTP/1.0"
        default: "HTTP/\(version.major).\(version.minor)"
        }
    }

    private func headSize(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count + 16) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }
}
