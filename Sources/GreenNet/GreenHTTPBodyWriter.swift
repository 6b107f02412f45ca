import NIOCore
import WeaveDurations

/// Sends the body of a streaming ``GreenHTTPServer`` response piece by piece — WSGI's
/// `write` callable, or the iterable a WSGI application returns.
///
/// Without a declared length the pieces go out with chunked transfer-encoding (HTTP/1.1;
/// an HTTP/1.0 response ends when the connection closes). Each write flushes; when the
/// client reads more slowly than the handler writes, the write waits in the greenlet once
/// 64 KiB are pending, so memory stays bounded.
///
/// A writer belongs to the response it was given for: use it inside that response's
/// `writeBody` closure, on the hub's thread.
public final class GreenHTTPBodyWriter {
    private let connection: GreenHTTPServerConnection
    private let timeout: Double
    /// The length the response declared (`Content-Length`), if any.
    let declaredLength: Int?

    /// The body bytes written so far.
    public private(set) var bytesWritten = 0

    init(connection: GreenHTTPServerConnection, declaredLength: Int?, timeout: Double) {
        self.connection = connection
        self.declaredLength = declaredLength
        self.timeout = timeout
    }

    /// Sends `bytes` as the next piece of the body — WSGI `write(data)`.
    ///
    /// Call on the hub's thread, from the response's `writeBody` closure.
    /// - Parameters:
    ///   - bytes: The piece; an empty one sends nothing.
    ///   - timeout: Seconds to wait for the client to make room; `nil` uses the server's
    ///     ``GreenHTTPServer/Limits-swift.struct/readTimeout``.
    /// - Throws: `GreenNetError.httpProtocol` if the body would exceed its declared
    ///   `contentLength`; `.connectionClosed` if the client left; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func write(_ bytes: [UInt8], timeout: Double? = nil) throws {
        guard !bytes.isEmpty else { return }
        if let declaredLength, bytesWritten + bytes.count > declaredLength {
            throw GreenNetError(.httpProtocol, "the response body would exceed its Content-Length of \(declaredLength) bytes")
        }
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        var buffer = connection.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try connection.writeBody(buffer, deadline: deadline)
        bytesWritten += bytes.count
    }

    /// Sends `text` as UTF-8 — WSGI `write(text.encode())`; otherwise as the `[UInt8]`
    /// overload.
    @DurationOverload
    public func write(_ text: String, timeout: Double? = nil) throws {
        try write(Array(text.utf8), timeout: timeout)
    }

    /// Whether the body came out as long as it was declared.
    var isComplete: Bool { declaredLength.map { $0 == bytesWritten } ?? true }
}
