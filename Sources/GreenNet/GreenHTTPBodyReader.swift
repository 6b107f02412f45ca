import GreenHub
import NIOCore
import NIOHTTP1
import WeaveDurations

/// The body of one request to a streaming ``GreenHTTPServer`` handler, read piece by piece
/// as it arrives — WSGI's `environ["wsgi.input"]` (`read(n)`, iteration).
///
/// Nothing is buffered ahead of the handler: the connection reads from the socket only
/// while the handler waits in ``read(timeout:)-(Double?)``, so a handler that stops reading makes the
/// kernel's window push back on the client, and memory stays at one socket read (at most
/// 64 KiB) whatever the body's size.
///
/// A reader belongs to the handler call it was given to: use it in that call, on the hub's
/// thread. What the handler leaves unread the server drains (up to
/// ``GreenHTTPServer/Limits-swift.struct/maxDrainBytes``) or it closes the connection.
public final class GreenHTTPBodyReader {
    /// Why reading stopped early; the server answers accordingly when the handler fails.
    enum Failure {
        case timedOut
        case tooLarge
        case malformed(any Error)
        case closed
    }

    private let connection: GreenHTTPServerConnection
    private let timeout: Double
    private(set) var failure: Failure?

    /// The length the client declared (`Content-Length`), or `nil` for a chunked body —
    /// `CONTENT_LENGTH`.
    public let expectedLength: Int?
    /// The body bytes read so far.
    public private(set) var bytesRead = 0
    /// Whether the whole body has been read.
    public private(set) var isComplete = false
    /// The client sent `Expect: 100-continue` and has not been told to go on: it is told
    /// at the handler's first read, so a handler that answers without reading (a 401, a
    /// 413) spares it the upload — RFC 9110, 10.1.1.
    private(set) var owesContinue: Bool
    private let version: HTTPVersion

    init(connection: GreenHTTPServerConnection, head: HTTPRequestHead, timeout: Double) {
        self.connection = connection
        self.timeout = timeout
        version = head.version
        let expectedLength: Int?
        if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }) {
            expectedLength = length
        } else {
            expectedLength = head.headers[canonicalForm: "transfer-encoding"].isEmpty ? 0 : nil
        }
        self.expectedLength = expectedLength
        owesContinue = expectedLength != 0
            && head.headers[canonicalForm: "expect"].contains { String($0).equalsIgnoringASCIICase("100-continue") }
    }

    /// Waits in the calling greenlet for the next piece of the body, as the socket
    /// delivered it — `wsgi.input.read(n)` in a loop.
    ///
    /// Call on the hub's thread, from the handler.
    /// - Parameter timeout: Seconds to wait for the piece; `nil` uses the server's
    ///   ``GreenHTTPServer/Limits-swift.struct/readTimeout``.
    /// - Returns: The next bytes (at most one socket read, 64 KiB), or `nil` at the end of
    ///   the body.
    /// - Throws: ``/GreenHub/GreenTimeoutError`` when no bytes come in time (the server then answers
    ///   408 if the handler lets the error through); `GreenNetError.httpProtocol` for a
    ///   malformed body (400); `.connectionClosed` if the client left.
    @DurationOverload
    public func read(timeout: Double? = nil) throws -> [UInt8]? {
        guard var buffer = try next(GreenDeadline(timeout ?? self.timeout)) else { return nil }
        return buffer.readBytes(length: buffer.readableBytes)
    }

    /// Reads the rest of the body whole, in the calling greenlet — `wsgi.input.read()`.
    ///
    /// Call on the hub's thread, from the handler.
    /// - Parameters:
    ///   - maxBytes: The most bytes to accept; a longer body throws, and the server then
    ///     answers 413.
    ///   - timeout: Seconds for the whole rest to arrive; `nil` uses the server's
    ///     ``GreenHTTPServer/Limits-swift.struct/readTimeout``.
    /// - Throws: `GreenNetError.httpProtocol` when the body is longer than `maxBytes` or
    ///   malformed; as ``read(timeout:)-(Double?)``.
    @DurationOverload
    public func readAll(maxBytes: Int, timeout: Double? = nil) throws -> [UInt8] {
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        var body: [UInt8] = []
        while var buffer = try next(deadline) {
            guard body.count + buffer.readableBytes <= maxBytes else {
                failure = .tooLarge
                throw GreenNetError(.httpProtocol, "the request body is longer than \(maxBytes) bytes")
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return body
    }

    /// The next piece of the body, or `nil` at its end.
    private func next(_ deadline: GreenDeadline) throws -> ByteBuffer? {
        if isComplete { return nil }
        if failure != nil {
            throw GreenNetError(.httpProtocol, "reading this request body failed already; the connection will close")
        }
        if owesContinue {
            owesContinue = false
            connection.sendContinue(version: version)
        }
        let part: GreenHTTPServerConnection.Incoming
        do {
            part = try connection.next(deadline)
        } catch let timeout as GreenTimeoutError {
            failure = .timedOut
            throw timeout
        }
        switch part {
        case .body(let buffer):
            bytesRead += buffer.readableBytes
            return buffer
        case .end:
            isComplete = true
            return nil
        case .malformed(let error):
            failure = .malformed(error)
            throw GreenNetError(.httpProtocol, "the request body is malformed", underlying: error)
        case .head, .closed:
            failure = .closed
            throw GreenNetError(.connectionClosed, "the client closed the connection before the request body ended")
        }
    }

    /// Whether the connection can serve another request after this one: the body was read,
    /// or what is left of it is declared and at most `drainLimit` bytes.
    func canDrain(upTo drainLimit: Int) -> Bool {
        if isComplete { return true }
        guard failure == nil, let expectedLength else { return false }
        return expectedLength - bytesRead <= drainLimit
    }

    /// Reads and drops the rest of the body; `false` if that failed.
    func drain(until deadline: GreenDeadline) -> Bool {
        while !isComplete {
            guard (try? next(deadline)) != nil else { return isComplete }
        }
        return true
    }
}
