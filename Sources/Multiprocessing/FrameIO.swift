/// Whole-buffer reads and writes over a descriptor, on which connections build their
/// length-prefixed frames.
enum FrameIO {
    /// Writes all of `bytes`, looping over short writes. `useSend` writes with
    /// `send(MSG_NOSIGNAL)` so a vanished reader gives an error, not SIGPIPE.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, useSend: Bool) throws {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            offset += useSend ? try Syscalls.send(descriptor, from: rest) : try Syscalls.write(descriptor, from: rest)
        }
    }

    /// Writes all of `bytes`.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], useSend: Bool) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, useSend: useSend) }
    }

    /// Fills `buffer` completely. Returns false when the stream ends before the first byte;
    /// throws `.truncatedMessage` when it ends after some bytes.
    static func readExactly(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = try Syscalls.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]))
            if count == 0 {
                if offset == 0 { return false }
                throw MultiprocessingError(.truncatedMessage, context: "got \(offset) of \(buffer.count) bytes")
            }
            offset += count
        }
        return true
    }

    /// Reads until end of file.
    static func readToEnd(_ descriptor: Int32) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try Syscalls.read(descriptor, into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }
}
