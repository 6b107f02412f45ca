/// An HTTP response: what a ``GreenHTTPServer`` handler returns, and what
/// ``GreenHTTPClient`` calls return — the WSGI `start_response(status, headers)` plus body,
/// and `requests.Response` (`status_code`, `headers`, `content`, `text`).
public struct GreenHTTPResponse: Sendable {
    /// The status code, such as 200 — `status_code`.
    public var status: Int
    /// The header fields, names as given. A server sets `Content-Length` itself.
    public var headers: [(name: String, value: String)]
    /// The body — `content`.
    public var body: [UInt8]

    /// A response with a body of bytes.
    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a text body, sent as UTF-8 with the given content type.
    public init(status: Int = 200, text: String, contentType: String = "text/plain; charset=utf-8") {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// The first value of the header `name`, compared without regard to case.
    public func header(_ name: String) -> String? {
        headers.firstValue(named: name)
    }

    /// The body decoded as UTF-8 (invalid bytes become U+FFFD) — `text`.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the status is 2xx — `ok` (which in `requests` also accepts 3xx).
    public var isSuccess: Bool { (200..<300).contains(status) }
}
