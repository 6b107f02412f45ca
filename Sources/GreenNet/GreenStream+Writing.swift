import GreenHub
import NIOCore
import WeaveDurations

// MARK: Sending

extension GreenStream {
    /// Sends all of `bytes` — `sendall(data)`.
    ///
    /// The bytes go to the socket at once; when the kernel cannot take them all, the rest
    /// waits in the channel's buffer, and if that holds more than its high-water mark
    /// (64 KiB) the calling greenlet waits until the peer has read enough. So memory stays
    /// bounded, and a slow reader slows the sender. ``GreenStream/close()`` still delivers
    /// what is buffered, as the kernel does for a closed socket.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - bytes: What to send.
    ///   - timeout: Seconds to wait for room; `nil` uses the connection's ``timeout``. When
    ///     it runs out the bytes stay buffered and may still be sent.
    /// - Throws: `GreenNetError.connectionClosed` if the connection is closed or fails;
    ///   ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func send(_ bytes: [UInt8], timeout: Double? = nil) throws {
        var buffer = takeSendBuffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try sendReusing(buffer, timeout: timeout)
    }

    /// Sends `text` as UTF-8 — `sendall(text.encode())`; otherwise as the `[UInt8]` overload.
    @DurationOverload
    public func send(_ text: String, timeout: Double? = nil) throws {
        var buffer = takeSendBuffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try sendReusing(buffer, timeout: timeout)
    }

    /// Sends all of a NIO `ByteBuffer` without copying it — `sendall(data)`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.connectionClosed`; ``/GreenHub/GreenTimeoutError``.
    @DurationOverload
    public func send(_ buffer: ByteBuffer, timeout: Double? = nil) throws {
        try checkOpen()
        if let failure = handler.failure {
            throw GreenNetError(.connectionClosed, "the connection failed (reset by the peer, or a TLS error); open a new one", underlying: failure)
        }
        guard !handler.isClosed else {
            throw GreenNetError(.connectionClosed, "the peer closed the connection; open a new one")
        }
        let deadline = try GreenDeadline(timeout ?? self.timeout)
        handler.writeAndFlush(buffer, channel: channel)
        while !channel.isWritable {
            if let failure = handler.failure {
                throw GreenNetError(.connectionClosed, "the connection failed while sending (reset by the peer, or a TLS error); open a new one", underlying: failure)
            }
            guard !handler.isClosed else {
                throw GreenNetError(.connectionClosed, "the connection closed before all bytes were sent; open a new one")
            }
            try handler.writable.wait(on: self, detail: WaitKind.send.rawValue, until: deadline) {}
        }
    }

    // MARK: Reusing the send buffer

    /// The largest send buffer kept for the next send; bigger ones are let go, so an idle
    /// connection never holds much memory.
    static var keptSendBufferLimit: Int { 16 * 1024 }

    /// The buffer kept from the last send, emptied, or a new one. NIO lets go of a buffer
    /// once its bytes are on the socket, so a kept buffer is usually free to fill again
    /// in place; one that NIO still holds is copied on write instead, as values are.
    private func takeSendBuffer(capacity: Int) -> ByteBuffer {
        guard var buffer = keptSendBuffer else {
            return channel.allocator.buffer(capacity: capacity)
        }
        keptSendBuffer = nil
        buffer.clear()
        return buffer
    }

    /// Sends a buffer from `takeSendBuffer(capacity:)` and keeps it for the next send.
    private func sendReusing(_ buffer: ByteBuffer, timeout: Double?) throws {
        defer {
            if buffer.capacity <= Self.keptSendBufferLimit {
                keptSendBuffer = buffer
            }
        }
        try send(buffer, timeout: timeout)
    }
}
