/// An HTTP request as a ``GreenHTTPServer`` handler receives it — the WSGI `environ`
/// (`REQUEST_METHOD`, `PATH_INFO`, `QUERY_STRING`, `HTTP_*`, `wsgi.input`), as plain values.
public struct GreenHTTPRequest: Sendable {
    /// The method, such as `"GET"` — `REQUEST_METHOD`.
    public var method: String
    /// The request target as sent, such as `"/search?q=swift"`.
    public var uri: String
    /// The header fields in the order received, names as sent.
    public var headers: [(name: String, value: String)]
    /// The whole body (the server enforces its size limit).
    public var body: [UInt8]
    /// The HTTP version, such as `"HTTP/1.1"` — `SERVER_PROTOCOL`.
    public var version: String

    /// Creates a request (for tests of handlers).
    public init(method: String = "GET", uri: String = "/", headers: [(name: String, value: String)] = [], body: [UInt8] = [], version: String = "HTTP/1.1") {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.version = version
    }

    /// The path, without the query — `PATH_INFO`.
    public var path: String {
        String(uri.prefix { $0 != "?" })
    }

    /// The query after `?`, or `""` — `QUERY_STRING`.
    public var query: String {
        guard let mark = uri.firstIndex(of: "?") else { return "" }
        return String(uri[uri.index(after: mark)...])
    }

    /// The first value of the header `name`, compared without regard to case —
    /// `environ["HTTP_" + NAME]`.
    public func header(_ name: String) -> String? {
        headers.firstValue(named: name)
    }

    /// The body decoded as UTF-8 (invalid bytes become U+FFFD).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
