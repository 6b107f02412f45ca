/// A response whose body a streaming ``GreenHTTPServer`` handler writes piece by piece —
/// a WSGI application's `start_response(status, headers)` followed by the iterable it
/// returns.
///
/// ```swift
/// GreenHTTPStreamingResponse(headers: [("Content-Type", "text/plain")]) { body in
///     for line in 1...3 {
///         try body.write("line \(line)\n")
///     }
/// }
/// ```
///
/// The server sends the status and headers first, then runs ``writeBody`` in the
/// connection's greenlet. It is not `Sendable`: the closure may capture the handler's
/// state, and runs on the hub's thread.
public struct GreenHTTPStreamingResponse {
    /// The status code, such as 200.
    public var status: Int
    /// The header fields, names as given. `Content-Length`, `Transfer-Encoding` and
    /// `Connection` are the server's to set: use ``contentLength``.
    public var headers: [(name: String, value: String)]
    /// The body's length when known in advance, sent as `Content-Length`; `nil` sends the
    /// body chunked. A body that comes out longer fails the write; one that comes out
    /// shorter makes the server close the connection (the client sees a truncated body).
    public var contentLength: Int?
    /// Writes the body; throwing (after the head went out) makes the server close the
    /// connection and log the error. Not called for `HEAD` requests and 204 or 304
    /// responses, which have no body.
    public var writeBody: (GreenHTTPBodyWriter) throws -> Void {
        get {
            switch body {
            case .whole(let bytes): { writer in try writer.write(bytes) }
            case .streamed(let write): write
            }
        }
        set { body = .streamed(newValue) }
    }

    /// The body: bytes known in full, which the server sends with the head in one write,
    /// or a closure that writes it piece by piece.
    enum Body {
        case whole([UInt8])
        case streamed((GreenHTTPBodyWriter) throws -> Void)
    }

    var body: Body

    /// A response whose body `writeBody` writes.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The header fields.
    ///   - contentLength: The body's length if known; `nil` sends it chunked.
    ///   - writeBody: Writes the body through the writer it is given.
    public init(
        status: Int = 200,
        headers: [(name: String, value: String)] = [],
        contentLength: Int? = nil,
        writeBody: @escaping (GreenHTTPBodyWriter) throws -> Void
    ) {
        self.status = status
        self.headers = headers
        self.contentLength = contentLength
        body = .streamed(writeBody)
    }

    /// A whole response, sent with its `Content-Length` — for a streaming handler that
    /// answers some requests at once.
    public init(_ response: GreenHTTPResponse) {
        status = response.status
        headers = response.headers
        contentLength = response.body.count
        body = .whole(response.body)
    }

    /// The first value of the header `name`, compared without regard to case.
    public func header(_ name: String) -> String? {
        headers.firstValue(named: name)
    }
}
