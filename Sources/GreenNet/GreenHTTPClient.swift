import AsyncHTTPClient
import CWeaveProcess
import GreenHub
import NIOCore
import NIOHTTP1
import WeaveDurations

/// An HTTP/1.1 and HTTP/2 client for green code, built on AsyncHTTPClient running on the
/// hub's own event loop — `requests.Session` under `gevent.monkey.patch_all()`.
///
/// Each call suspends only the calling greenlet; many greenlets can share one client, whose
/// connection pool keeps connections alive between requests. HTTPS verifies certificates
/// by default; redirects are followed (up to ``Configuration-swift.struct/maxRedirects``).
///
/// ```swift
/// let client = GreenHTTPClient()
/// defer { try? client.close() }
/// let page = try client.get("https://example.com/")
/// print(page.status, page.body.count)
/// ```
///
/// A client belongs to the hub of the thread that made it: make every call on that
/// thread, and call ``close()`` when done with it.
///
/// In a child forked after its parent's Dispatch had started threads, where Dispatch may
/// never run queued work, the client looks host names up on Weave's blocking pool and
/// follows redirects itself, since AsyncHTTPClient does both through Dispatch. One step
/// stays on Dispatch: AsyncHTTPClient builds each TLS configuration's context there, so an
/// HTTPS request in such a child can stall until its connect timeout when the parent had a
/// Dispatch worker idle at the fork (a parent that handled a signal through a Dispatch
/// source in the last seconds, for one). A child that makes HTTPS requests is safest
/// started with `StartMethod.spawn`.
public final class GreenHTTPClient {
    /// How a client connects, waits and follows redirects.
    public struct Configuration: Sendable {
        /// Seconds for a whole request (connect, send, wait, read the body); `nil`, no
        /// limit. A call's own `timeout:` overrides it — `requests.get(url, timeout=...)`.
        public var timeout: Double? = 30
        /// Seconds to establish a connection.
        public var connectTimeout: Double = 10
        /// Whether to follow redirects — `allow_redirects`.
        public var followRedirects = true
        /// The most redirects followed for one request.
        public var maxRedirects = 5
        /// Connections kept open per host, at most; more requests to the host wait for one.
        public var maxConnectionsPerHost = 8
        /// Seconds an idle pooled connection stays open.
        public var idleConnectionTimeout: Double = 60
        /// The TLS configuration for HTTPS; `nil` verifies against the system's trust store.
        public var tls: GreenTLSConfiguration?

        /// The defaults: 30 s per request, 10 s to connect, up to 5 redirects, 8 connections
        /// per host, certificates verified.
        public init() {}
    }

    let client: HTTPClient
    let hub: Hub
    private var isClosed = false
    private var wakeSource = GreenWakeSource()
    /// What AsyncHTTPClient is configured with, for the engines made later.
    let engineSettings: HTTPClient.Configuration
    /// In a child forked after its parent's Dispatch had threads, the engines pinned to
    /// each named host's address (see GreenHTTPClient+ForkedChild.swift); `nil` elsewhere.
    var pinnedEngines: [String: HTTPClient]?

    /// The configuration the client was made with.
    public let configuration: Configuration

    /// Creates a client on the calling thread's hub — `requests.Session()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.invalidArgument` for a configuration out of range, or a
    ///   server TLS configuration.
    public init(configuration: Configuration = Configuration()) throws {
        guard configuration.connectTimeout > 0, configuration.maxRedirects >= 0,
            configuration.maxConnectionsPerHost > 0, configuration.idleConnectionTimeout > 0,
            (configuration.timeout ?? 1) > 0
        else {
            throw GreenNetError(.invalidArgument, "the HTTP client configuration holds a value out of range: \(configuration)")
        }
        if let tls = configuration.tls, !tls.isClient {
            throw GreenNetError(.invalidArgument, "a server TLS configuration was given to an HTTP client; use GreenTLSConfiguration.client()")
        }
        hub = Hub.current
        self.configuration = configuration
        // AsyncHTTPClient looks names up and reports its shutdown on Dispatch, which may
        // never run queued work in a child forked after its parent's Dispatch had threads.
        // There, names are looked up on Weave's pool and redirects followed here.
        let resolvesNamesItself = weave_process_dispatch_is_unusable() != 0
        pinnedEngines = resolvesNamesItself ? [:] : nil
        var settings = HTTPClient.Configuration()
        settings.tlsConfiguration = configuration.tls?.configuration
        settings.redirectConfiguration =
            configuration.followRedirects && !resolvesNamesItself
            ? .follow(max: configuration.maxRedirects, allowCycles: false) : .disallow
        settings.timeout = .init(connect: Self.amount(configuration.connectTimeout))
        settings.connectionPool = .init(
            idleTimeout: Self.amount(configuration.idleConnectionTimeout),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost)
        engineSettings = settings
        client = HTTPClient(eventLoopGroup: hub.eventLoop, configuration: settings)
    }

    deinit {
        if !isClosed {
            startShuttingDown()
        }
    }

    /// Starts closing every AsyncHTTPClient instance the client made, without waiting.
    private func startShuttingDown() {
        for engine in [client] + (pinnedEngines.map { Array($0.values) } ?? []) {
            engine.shutdown { _ in }
        }
    }

    /// Closes the pooled connections and frees the client, suspending only the calling
    /// greenlet — `Session.close()`. Closing twice does nothing.
    ///
    /// - Throws: An error raised in the calling greenlet meanwhile.
    public func close() throws {
        guard !isClosed else { return }
        isClosed = true
        defer { wakeSource.end() }
        guard pinnedEngines == nil else {
            // The pools close on the hub's loop; the notice that they did would come
            // through Dispatch, which does not run here.
            startShuttingDown()
            return
        }
        _ = try? client.shutdown().greenWait(until: GreenDeadline(nil))
    }

    // MARK: Requests

    /// Sends a GET request — `requests.get(url, headers=..., timeout=...)`.
    ///
    /// See ``request(_:_:headers:body:timeout:)-(_,_,_,_,Double?)``.
    @DurationOverload
    public func get(_ url: String, headers: [(name: String, value: String)] = [], timeout: Double? = nil) throws -> GreenHTTPResponse {
        try request("GET", url, headers: headers, timeout: timeout)
    }

    /// Sends a POST request with a body — `requests.post(url, data=body)`.
    ///
    /// See ``request(_:_:headers:body:timeout:)-(_,_,_,_,Double?)``.
    @DurationOverload
    public func post(
        _ url: String,
        body: [UInt8],
        headers: [(name: String, value: String)] = [],
        timeout: Double? = nil
    ) throws -> GreenHTTPResponse {
        try request("POST", url, headers: headers, body: body, timeout: timeout)
    }

    /// Sends a request and waits in the calling greenlet for the whole response —
    /// `requests.request(method, url, ...)`.
    ///
    /// Any status is returned as it is (check ``GreenHTTPResponse/isSuccess``), as in
    /// `requests` without `raise_for_status()`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - method: The method, such as `"GET"` or `"PUT"`.
    ///   - url: An absolute `http://` or `https://` URL (also `http+unix://`).
    ///   - headers: Header fields to send.
    ///   - body: The body to send, if any.
    ///   - timeout: Seconds for the whole request; `nil` uses the configuration's.
    /// - Throws: ``GreenNetError`` `.invalidArgument` for a bad URL, `.connectFailed`,
    ///   `.tlsFailed`, `.httpProtocol`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func request(
        _ method: String,
        _ url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Double? = nil
    ) throws -> GreenHTTPResponse {
        var hop = RequestHop(method: method, url: url, headers: headers, body: body)
        let limit = timeout ?? configuration.timeout
        let deadline = try GreenDeadline(limit)
        let end = limit.map { NIODeadline.now() + Self.amount($0) }
        var visited: [String] = []
        while true {
            let outgoing = try prepare(hop)
            let future = try engine(for: outgoing).execute(
                request: outgoing, eventLoop: .delegateAndChannel(on: hub.eventLoop), deadline: end)
            let response: HTTPClient.Response
            do {
                response = try future.greenWait(until: deadline)
            } catch {
                throw translate(error, method: hop.method, url: hop.url, limit: limit)
            }
            if let next = try nextHop(after: hop, status: response.status, headers: response.headers, visited: &visited) {
                hop = next
                continue
            }
            var received = response.body ?? ByteBuffer()
            return GreenHTTPResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: received.readBytes(length: received.readableBytes) ?? [])
        }
    }

    /// Checks the call and builds AsyncHTTPClient's request for `hop`.
    func prepare(_ hop: RequestHop) throws -> HTTPClient.Request {
        guard hub.eventLoop.inEventLoop else {
            throw GreenNetError(.wrongThread, "this HTTP client belongs to another thread's hub; make one client per thread")
        }
        guard !isClosed else {
            throw GreenNetError(.connectionClosed, "this HTTP client was closed; make a new one")
        }
        do {
            return try HTTPClient.Request(
                url: hop.url, method: HTTPMethod(rawValue: hop.method),
                headers: HTTPHeaders(hop.headers.map { ($0.name, $0.value) }), body: hop.body.map { .bytes($0) })
        } catch {
            throw GreenNetError(.invalidArgument, "cannot request \(hop.url.debugDescription); pass an absolute http:// or https:// URL", underlying: error)
        }
    }

    /// The Weave error for what AsyncHTTPClient reported; interruptions pass unchanged.
    func translate(_ error: any Error, method: String, url: String, limit: Double?) -> any Error {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return GreenTimeoutError(seconds: limit ?? 0)
            }
            return GreenNetError(.httpProtocol, "the request \(method) \(url) failed", underlying: error)
        }
        if GreenNetError.isTLS(error) {
            return GreenNetError(.tlsFailed, "the TLS connection for \(url) failed; check the certificate and trust roots", underlying: error)
        }
        if GreenNetError.isTransport(error) {
            return GreenNetError(.connectFailed, "could not reach \(url); check the address and that a server listens there", underlying: error)
        }
        return error
    }

    static func amount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }
}
