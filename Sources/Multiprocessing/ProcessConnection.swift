import WeaveDurations

/// One end of a ``ProcessPipe`` (Python's `multiprocessing.connection.Connection`): it sends
/// and receives whole messages — `Codable` values or raw bytes — over a Unix socket, or over
/// the TCP or Unix socket of an authenticated listener's connection (module `Managers`).
///
/// Each message is a frame: an 8-byte little-endian length, then the payload. A reader
/// whose writer closed between frames gets `.endOfStream`; one whose writer died inside a
/// frame gets `.truncatedMessage`; neither ever sees a torn message. After `fork`, close
/// the ends a process does not use, or the reader never sees the end of the stream.
///
/// One thread at a time may send, and one may receive, on a connection.
public final class ProcessConnection: @unchecked Sendable {
    /// The socket or pipe descriptor this end owns; closed with the end.
    package let descriptor: Int32
    private let closed = InProcessFlag()
    /// Whether this end may receive.
    public let isReadable: Bool
    /// Whether this end may send.
    public let isWritable: Bool
    /// The largest frame `receive` accepts; a bigger announced length is an error, not an
    /// allocation (1 GiB by default).
    public var maximumMessageSize = 1 << 30

    /// Wraps a connected stream socket (or one end of a pipe) this end then owns.
    package init(descriptor: Int32, readable: Bool, writable: Bool) {
        self.descriptor = descriptor
        isReadable = readable
        isWritable = writable
    }

    deinit {
        if !closed.isSet { Syscalls.closeDescriptor(descriptor) }
    }

    /// Whether this end was closed with `close()` (Python's `closed`).
    public var isClosed: Bool { closed.isSet }

    private func checkOpen(_ needed: Bool, _ action: String) throws {
        if closed.isSet { throw MultiprocessingError(.endOfStream, context: "the connection is closed") }
        if !needed { throw MultiprocessingError(.invalidArgument, context: "this end of a one-way pipe cannot \(action)") }
    }

    // MARK: Sending

    /// Sends `value` in Weave's binary `Codable` encoding (Python's `send`).
    /// - Throws: `EncodingError`, or `.systemCallFailed` with EPIPE when the reader is gone.
    public func send<Value: Encodable>(_ value: Value) throws {
        try checkOpen(isWritable, "send")
        var frame: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        try BinaryCodableEncoder().encode(value, into: &frame)
        withUnsafeBytes(of: UInt64(frame.count - 8).littleEndian) { header in
            frame.withUnsafeMutableBytes { $0.copyMemory(from: header) }
        }
        try FrameIO.writeAll(descriptor, frame, useSend: true)
    }

    /// Sends raw bytes straight from `bytes`, without an extra copy (Python's `send_bytes`).
    public func sendBytes(_ bytes: UnsafeRawBufferPointer) throws {
        try checkOpen(isWritable, "send")
        try withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { try FrameIO.writeAll(descriptor, header: $0, payload: bytes) }
    }

    /// Sends raw bytes (Python's `send_bytes`).
    public func sendBytes(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sendBytes($0) }
    }

    // MARK: Receiving

    /// Receives the next message as raw bytes (Python's `recv_bytes`).
    /// - Throws: `.endOfStream` when the writer closed, `.truncatedMessage` when it died in
    ///   the middle of a message, `.invalidArgument` for a frame over `maximumMessageSize`.
    public func receiveBytes() throws -> [UInt8] {
        try checkOpen(isReadable, "receive")
        var length: UInt64 = 0
        let started = try withUnsafeMutableBytes(of: &length) { try FrameIO.readExactly(descriptor, into: $0, useReceive: true) }
        guard started else { throw MultiprocessingError(.endOfStream) }
        let size = UInt64(littleEndian: length)
        guard size <= UInt64(maximumMessageSize) else {
            throw MultiprocessingError(.invalidArgument, context: "a frame of \(size) bytes exceeds maximumMessageSize \(maximumMessageSize)")
        }
        let count = Int(size)
        let payload = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, try !FrameIO.readExactly(descriptor, into: UnsafeMutableRawBufferPointer(buffer), useReceive: true) {
                throw MultiprocessingError(.truncatedMessage, context: "got 0 of \(count) bytes")
            }
            initialized = count
        }
        return payload
    }

    /// Receives the next message into `buffer`, returning its length (Python's
    /// `recv_bytes_into`).
    /// - Throws: as `receiveBytes()`, and `.invalidArgument` (with the message consumed)
    ///   when it does not fit.
    public func receiveBytes(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try checkOpen(isReadable, "receive")
        var length: UInt64 = 0
        let started = try withUnsafeMutableBytes(of: &length) { try FrameIO.readExactly(descriptor, into: $0, useReceive: true) }
        guard started else { throw MultiprocessingError(.endOfStream) }
        let size = Int(clamping: UInt64(littleEndian: length))
        guard size <= buffer.count else {
            _ = try receiveDiscarding(size)
            throw MultiprocessingError(.invalidArgument, context: "a message of \(size) bytes does not fit a buffer of \(buffer.count)")
        }
        if size > 0, try !FrameIO.readExactly(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]), useReceive: true) {
            throw MultiprocessingError(.truncatedMessage, context: "got 0 of \(size) bytes")
        }
        return size
    }

    private func receiveDiscarding(_ size: Int) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: min(size, 65536))
        var left = size
        while left > 0 {
            let step = min(left, chunk.count)
            let full = try chunk.withUnsafeMutableBytes { try FrameIO.readExactly(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<step]), useReceive: true) }
            if !full { throw MultiprocessingError(.truncatedMessage) }
            left -= step
        }
        return size
    }

    /// Receives the next message and decodes it (Python's `recv`).
    /// - Throws: as `receiveBytes()`, and `DecodingError` for a malformed message.
    public func receive<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        try BinaryCodableDecoder().decode(type, from: receiveBytes())
    }

    /// Whether a message (or the end of the stream) is ready to read, waiting at most
    /// `timeout` seconds (0 only checks, nil waits for ever) (`poll(2)`).
    @DurationOverload
    public func poll(timeout: Double? = 0) throws -> Bool {
        try checkOpen(isReadable, "receive")
        return try Syscalls.waitReadable(descriptor, timeout: timeout)
    }

    /// Closes this end (`close(2)`). The other end then reads `.endOfStream` once every
    /// process holding this end has closed it.
    public func close() {
        guard !closed.isSet else { return }
        closed.set()
        Syscalls.closeDescriptor(descriptor)
    }
}

/// Makes connected pairs of ``ProcessConnection``s (Python's `multiprocessing.Pipe`).
public enum ProcessPipe {
    /// The socket buffer size asked for on each end (the kernel doubles it): room for a
    /// 1 MiB message in flight, yet small enough that the pages the writer fills are still
    /// in cache when the reader copies them out. 4 MiB measured slower.
    static let socketBufferSize: Int32 = 1 << 20

    /// Creates a connected pair over `socketpair(AF_UNIX, SOCK_STREAM)`.
    /// - Parameter duplex: true (the default) lets both ends send and receive; false makes
    ///   the first end receive-only and the second send-only, as in Python.
    /// - Returns: the two ends.
    public static func make(duplex: Bool = true) throws -> (ProcessConnection, ProcessConnection) {
        let (first, second) = try Syscalls.makeSocketPair()
        Syscalls.growSocketBuffers(first, to: socketBufferSize)
        Syscalls.growSocketBuffers(second, to: socketBufferSize)
        if !duplex {
            Syscalls.shutdown(first, writing: true)
            Syscalls.shutdown(second, writing: false)
        }
        return (
            ProcessConnection(descriptor: first, readable: true, writable: duplex),
            ProcessConnection(descriptor: second, readable: duplex, writable: true)
        )
    }
}
