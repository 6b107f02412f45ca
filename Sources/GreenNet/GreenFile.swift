import GreenHub

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file whose reads and writes run on NIO's thread pool, suspending only the calling
/// greenlet — gevent's `gevent.fileobject.FileObjectThread`.
///
/// A large file, or a slow disk, never stalls the hub: each call moves at most
/// `chunkSize` bytes in one trip to the pool.
///
/// ```swift
/// try GreenFile.write(Array("hello\n".utf8), to: "/tmp/greeting")
/// let bytes = try GreenFile.read(contentsOf: "/tmp/greeting")
/// ```
///
/// A file belongs to the hub of the thread that opened it: make every call on that thread,
/// and call ``close()`` when done.
public final class GreenFile {
    /// How a file is opened — the `mode` of Python's `open(path, mode)`.
    public enum Mode: Sendable {
        /// Reading an existing file — `"rb"`.
        case read
        /// Writing, creating the file or truncating it — `"wb"`.
        case write
        /// Writing at the end, creating the file if needed — `"ab"`.
        case append
    }

    /// The bytes one trip to the thread pool moves at most.
    public static let chunkSize = 1 << 20

    private var descriptor: Int32
    private var wakeSource = GreenWakeSource()
    /// The path it was opened with.
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        if descriptor >= 0 {
            closeDescriptor(descriptor)
        }
    }

    /// Opens `path` — `open(path, mode)`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.fileFailed` with the system's reason (no such file, no
    ///   permission).
    public static func open(_ path: String, mode: Mode = .read) throws -> GreenFile {
        let flags: Int32 =
            switch mode {
            case .read: O_RDONLY
            case .write: O_WRONLY | O_CREAT | O_TRUNC
            case .append: O_WRONLY | O_CREAT | O_APPEND
            }
        let descriptor = try Green.runBlocking { () throws -> Int32 in
            let descriptor = openDescriptor(path, flags | O_CLOEXEC)
            guard descriptor >= 0 else { throw fileError("open", path) }
            return descriptor
        }
        return GreenFile(descriptor: descriptor, path: path)
    }

    /// Reads up to `maxBytes` (at most ``chunkSize``) — `read(n)`.
    ///
    /// - Returns: The bytes; empty at the end of the file.
    /// - Throws: `GreenNetError.fileFailed`, or `.invalidArgument` for a negative count.
    public func read(upTo maxBytes: Int = GreenFile.chunkSize) throws -> [UInt8] {
        guard maxBytes >= 0 else {
            throw GreenNetError(.invalidArgument, "a byte count must be 0 or more, not \(maxBytes)")
        }
        let descriptor = try liveDescriptor()
        let count = min(maxBytes, Self.chunkSize)
        let path = self.path
        return try Green.runBlocking {
            var bytes = [UInt8](repeating: 0, count: count)
            let read = bytes.withUnsafeMutableBytes { buffer in
                retryingInterrupts { readDescriptor(descriptor, buffer.baseAddress, count) }
            }
            guard read >= 0 else { throw fileError("read", path) }
            bytes.removeLast(count - read)
            return bytes
        }
    }

    /// Writes all of `bytes`, a chunk per trip to the pool — `write(data)`.
    ///
    /// - Throws: `GreenNetError.fileFailed` (a full disk, a closed file).
    public func write(_ bytes: [UInt8]) throws {
        let descriptor = try liveDescriptor()
        let path = self.path
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + Self.chunkSize, bytes.count)])
            offset += try Green.runBlocking {
                let written = chunk.withUnsafeBytes { buffer in
                    retryingInterrupts { writeDescriptor(descriptor, buffer.baseAddress, chunk.count) }
                }
                guard written >= 0 else { throw fileError("write", path) }
                return written
            }
        }
    }

    /// Closes the file — `close()`. Closing twice does nothing.
    public func close() {
        guard descriptor >= 0 else { return }
        closeDescriptor(descriptor)
        descriptor = -1
        wakeSource.end()
    }

    /// The whole content of the file at `path` — `open(path, "rb").read()`.
    public static func read(contentsOf path: String) throws -> [UInt8] {
        let file = try open(path)
        defer { file.close() }
        var bytes: [UInt8] = []
        while true {
            let chunk = try file.read()
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
    }

    /// Replaces the file at `path` with `bytes` — `open(path, "wb").write(data)`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try open(path, mode: .write)
        defer { file.close() }
        try file.write(bytes)
    }

    private func liveDescriptor() throws -> Int32 {
        guard descriptor >= 0 else {
            throw GreenNetError(.fileFailed, "\(path) was closed by close(); open it again")
        }
        return descriptor
    }
}

// MARK: System calls (free functions, where `open`, `read`, `write` and `close` name the C
// library's and not this type's methods)

private func openDescriptor(_ path: String, _ flags: Int32) -> Int32 {
    open(path, flags, 0o644)
}

private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func writeDescriptor(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func retryingInterrupts(_ call: () -> Int) -> Int {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}

private func fileError(_ operation: String, _ path: String) -> GreenNetError {
    GreenNetError(.fileFailed, "\(operation) \(path.debugDescription) failed: \(String(cString: strerror(errno)))")
}
