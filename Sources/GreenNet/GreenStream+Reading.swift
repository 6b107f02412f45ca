import GreenHub
import NIOCore
import WeaveDurations

// MARK: Receiving

extension GreenStream {
    /// Receives what has arrived, at most `maxBytes`, waiting in the calling greenlet until
    /// at least one byte is there — `recv(bufsize)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - maxBytes: The most bytes to return; 0 returns none at once.
    ///   - timeout: Seconds to wait; `nil` uses the connection's ``timeout``.
    /// - Returns: The bytes; empty once the peer has closed its side (end of stream).
    /// - Throws: `GreenNetError.connectionClosed` after `close()` or a reset by the peer;
    ///   `.invalidArgument` for a negative count; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func receive(upTo maxBytes: Int, timeout: Double? = nil) throws -> [UInt8] {
        try waitForSome(maxBytes, timeout: timeout) ? handler.take(maxBytes) : []
    }

    /// Receives what has arrived, at most `maxBytes`, as a NIO `ByteBuffer` that shares
    /// the socket's receive storage instead of copying it out — `recv(bufsize)` for code
    /// that passes bytes on (to ``send(_:timeout:)-(ByteBuffer,Double?)``, say) or parses them
    /// in place.
    ///
    /// Call on the hub's thread.
    /// - Returns: The bytes; an empty buffer once the peer has closed its side.
    /// - Throws: What ``receive(upTo:timeout:)-(_,Double?)`` throws.
    @DurationOverload
    public func receiveBuffer(upTo maxBytes: Int, timeout: Double? = nil) throws -> ByteBuffer {
        try waitForSome(maxBytes, timeout: timeout) ? handler.takeBuffer(maxBytes) : ByteBuffer()
    }

    /// Receives exactly `count` bytes, waiting in the calling greenlet until all have
    /// arrived — `socket.recv_into` in a loop, asyncio's `readexactly(n)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - count: How many bytes to return.
    ///   - timeout: Seconds for the whole call; `nil` uses the connection's ``timeout``.
    /// - Throws: `GreenNetError.unexpectedEOF` when the peer closes first (the bytes that
    ///   came stay buffered for `receive(upTo:)`); `.connectionClosed`;
    ///   `.invalidArgument`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func receive(exactly count: Int, timeout: Double? = nil) throws -> [UInt8] {
        try checkCall(count: count)
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        while handler.buffer.readableBytes < count {
            guard try waitForBytes(deadline) else {
                throw GreenNetError(
                    .unexpectedEOF,
                    "the peer closed the stream after \(handler.buffer.readableBytes) of the \(count) bytes wanted")
            }
        }
        return handler.take(count)
    }

    /// Reads one line, up to and without its `\n` (and a `\r` before it), waiting in the
    /// calling greenlet until it is complete — `makefile().readline(limit)`.
    ///
    /// Bytes that are not UTF-8 are replaced with U+FFFD. At the end of the stream the
    /// last, unterminated line is returned as it is.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - maxLength: The longest line accepted, in bytes, without its terminator.
    ///   - timeout: Seconds for the whole call; `nil` uses the connection's ``timeout``.
    /// - Returns: The line, or `nil` at the end of the stream.
    /// - Throws: `GreenNetError.lineTooLong` when no newline comes within `maxLength`
    ///   bytes (they stay buffered); `.connectionClosed`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func readLine(maxLength: Int = 65536, timeout: Double? = nil) throws -> String? {
        try checkCall(count: maxLength)
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        var scanned = 0
        while true {
            let view = handler.buffer.readableBytesView
            if let newline = view[(view.startIndex + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var length = newline - view.startIndex
                let carriageReturn = length > 0 && view[newline - 1] == UInt8(ascii: "\r")
                if carriageReturn { length -= 1 }
                guard length <= maxLength else {
                    throw GreenNetError(.lineTooLong, "a line of \(length) bytes is longer than maxLength (\(maxLength)); raise maxLength or read with receive(upTo:)")
                }
                let line = handler.take(length)
                handler.skip(carriageReturn ? 2 : 1)
                return String(decoding: line, as: UTF8.self)
            }
            scanned = view.count
            guard scanned <= maxLength + 1 else {
                throw GreenNetError(.lineTooLong, "no newline within maxLength (\(maxLength)) bytes; raise maxLength or read with receive(upTo:)")
            }
            guard try waitForBytes(deadline) else {
                guard scanned > 0 else { return nil }
                return String(decoding: handler.take(scanned), as: UTF8.self)
            }
        }
    }

    // MARK: Waiting for input

    /// Waits until at least one byte is buffered; `false` for a count of 0 or at the end of
    /// the stream.
    private func waitForSome(_ maxBytes: Int, timeout: Double?) throws -> Bool {
        try checkCall(count: maxBytes)
        guard maxBytes > 0 else { return false }
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        while handler.buffer.readableBytes == 0 {
            guard try waitForBytes(deadline) else { return false }
        }
        return true
    }

    /// Checks that the call is made on the connection's thread and asks for 0 bytes or more.
    private func checkCall(count: Int) throws {
        try checkThread()
        guard count >= 0 else {
            throw GreenNetError(.invalidArgument, "a byte count must be 0 or more, not \(count)")
        }
    }

    /// Waits for more bytes. Returns `false` at the end of the stream; throws if the
    /// connection was closed here or reset.
    private func waitForBytes(_ deadline: GreenDeadline) throws -> Bool {
        try checkOpen()
        let before = handler.buffer.readableBytes
        while handler.buffer.readableBytes == before {
            if let failure = handler.failure {
                throw GreenNetError(.connectionClosed, "the connection failed (reset by the peer, or a TLS error); open a new one", underlying: failure)
            }
            if handler.inputClosed { return false }
            try waitForEvent(deadline)
        }
        return true
    }
}
