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

    /// Writes all of `header`, then all of `payload`, on a socket, in one `sendmsg` when
    /// the socket takes everything at once (the usual case), finishing short writes with
    /// `send`.
    static func writeAll(_ descriptor: Int32, header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws {
        let sent = try Syscalls.send(descriptor, from: header, payload)
        if sent < header.count {
            try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: header[sent...]), useSend: true)
            try writeAll(descriptor, payload, useSend: true)
        } else {
            try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: payload[(sent - header.count)...]), useSend: true)
        }
    }

    /// Writes all of `bytes`.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], useSend: Bool) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, useSend: useSend) }
    }

    /// Fills `buffer` completely. Returns false when the stream ends before the first byte;
    /// throws `.truncatedMessage` when it ends after some bytes. `useReceive` reads a socket
    /// with `recv(MSG_WAITALL)`, which fills the buffer in one call.
    static func readExactly(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, useReceive: Bool = false
    ) throws -> Bool {
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[offset...])
            let count = useReceive ? try Syscalls.receiveAll(descriptor, into: rest) : try Syscalls.read(descriptor, into: rest)
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
