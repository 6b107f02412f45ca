#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Listening and connecting sockets
//
// The socket calls behind `Managers`' listeners and clients (Python's
// `multiprocessing.connection`): Unix and TCP stream sockets, made close-on-exec, with
// EINTR handled here as everywhere in this file's sibling, `Syscalls.swift`.

extension Syscalls {
    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif

    /// `socket(family, SOCK_STREAM, 0)` made close-on-exec.
    private static func makeStreamSocket(_ family: Int32) throws -> Int32 {
        let descriptor = try retrying("socket()") { socket(family, streamType, 0) }
        do {
            try setCloseOnExec(descriptor)
        } catch {
            closeDescriptor(descriptor)
            throw error
        }
        return descriptor
    }

    /// Fills a `sockaddr_un` for `path` and passes it to `body`.
    /// - Throws: `.invalidArgument` when the path does not fit `sun_path`.
    private static func withUnixAddress<Result>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result
    ) throws -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw MultiprocessingError(
                .invalidArgument,
                context: "a Unix socket path must be 1 to \(capacity - 1) bytes long; '\(path)' is \(bytes.count)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return try withUnsafePointer(to: &address) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// Binds a new Unix stream socket at `path`, gives the file owner-only permissions
    /// (`chmod(path, 0600)`) and only then listens, so no other user can connect in between:
    /// `socket`, `bind`, `chmod`, `listen`.
    /// - Throws: `.systemCallFailed` (EADDRINUSE when `path` exists), `.invalidArgument`
    ///   for a path too long for `sun_path`.
    package static func listenUnix(path: String, backlog: Int32) throws -> Int32 {
        let descriptor = try makeStreamSocket(AF_UNIX)
        do {
            try withUnixAddress(path) { address, length in
                _ = try retrying("bind(\(path))") { bind(descriptor, address, length) }
            }
            _ = try retrying("chmod(\(path), 0600)") { chmod(path, 0o600) }
            _ = try retrying("listen(\(path))") { listen(descriptor, backlog) }
        } catch {
            closeDescriptor(descriptor)
            throw error
        }
        return descriptor
    }

    /// Connects a new Unix stream socket to `path` (`socket`, `connect`).
    /// - Throws: `.systemCallFailed`: ENOENT or ECONNREFUSED when nothing listens there.
    package static func connectUnix(path: String) throws -> Int32 {
        let descriptor = try makeStreamSocket(AF_UNIX)
        do {
            try withUnixAddress(path) { address, length in
                try connectFinishing(descriptor, address, length, name: "connect(\(path))")
            }
        } catch {
            closeDescriptor(descriptor)
            throw error
        }
        return descriptor
    }

    /// `connect`, finishing a connection that a signal interrupted (EINTR) by waiting until
    /// the socket is writable and reading its `SO_ERROR`, since a second `connect` on it
    /// would fail with EALREADY.
    private static func connectFinishing(
        _ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, name: String
    ) throws {
        if connect(descriptor, address, length) == 0 { return }
        let code = currentErrno()
        guard code == EINTR else { throw MultiprocessingError(.systemCallFailed, errno: code, context: name) }
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        while poll(&entry, 1, -1) == -1 {
            let pollCode = currentErrno()
            if pollCode != EINTR { throw MultiprocessingError(.systemCallFailed, errno: pollCode, context: name) }
        }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt(SO_ERROR)") { getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size) }
        if failure != 0 { throw MultiprocessingError(.systemCallFailed, errno: failure, context: name) }
    }

    /// The addresses `host` and `port` name (`getaddrinfo`, numeric port); `passive` asks
    /// for addresses to listen on.
    private static func resolve(host: String, port: Int, passive: Bool) throws -> [(family: Int32, address: [UInt8])] {
        var hints = addrinfo()
        hints.ai_socktype = streamType
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let result = getaddrinfo(host, String(port), &hints, &list)
        guard result == 0, let list else {
            let reason = result == 0 ? "no address" : String(cString: gai_strerror(result))
            throw MultiprocessingError(.invalidArgument, context: "cannot resolve '\(host)' port \(port): \(reason)")
        }
        defer { freeaddrinfo(list) }
        var addresses: [(family: Int32, address: [UInt8])] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                let bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))
                addresses.append((entry.pointee.ai_family, bytes))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// Calls `body` with each address of `host`:`port` in a new socket of its family until
    /// one succeeds, and returns that socket; throws the last failure.
    private static func firstWorking(
        host: String, port: Int, passive: Bool,
        _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) throws -> Void
    ) throws -> Int32 {
        var lastFailure: any Error = MultiprocessingError(.invalidArgument, context: "'\(host)' has no address")
        for (family, address) in try resolve(host: host, port: port, passive: passive) {
            do {
                let descriptor = try makeStreamSocket(family)
                do {
                    try address.withUnsafeBytes { raw in
                        try body(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
                    }
                    return descriptor
                } catch {
                    closeDescriptor(descriptor)
                    throw error
                }
            } catch {
                lastFailure = error
            }
        }
        throw lastFailure
    }

    /// Listens on TCP `host`:`port` (`socket`, `setsockopt(SO_REUSEADDR)`, `bind`,
    /// `listen`); port 0 lets the system choose. Returns the socket and the port it is bound to.
    package static func listenTCP(host: String, port: Int, backlog: Int32) throws -> (descriptor: Int32, port: Int) {
        let descriptor = try firstWorking(host: host, port: port, passive: true) { descriptor, address, length in
            var on: Int32 = 1
            _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            _ = try retrying("bind(\(host):\(port))") { bind(descriptor, address, length) }
            _ = try retrying("listen(\(host):\(port))") { listen(descriptor, backlog) }
        }
        do {
            return (descriptor, try boundPort(descriptor))
        } catch {
            closeDescriptor(descriptor)
            throw error
        }
    }

    /// Connects to TCP `host`:`port` with Nagle's delay off (`socket`, `connect`,
    /// `setsockopt(TCP_NODELAY)`): messages are request and reply, and each must leave at once.
    package static func connectTCP(host: String, port: Int) throws -> Int32 {
        let descriptor = try firstWorking(host: host, port: port, passive: false) { descriptor, address, length in
            try connectFinishing(descriptor, address, length, name: "connect(\(host):\(port))")
        }
        disableNagle(descriptor)
        return descriptor
    }

    /// The local port of a bound TCP socket (`getsockname`).
    private static func boundPort(_ descriptor: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try retrying("getsockname()") { getsockname(descriptor, address, &length) }
            }
        }
        return withUnsafeBytes(of: storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network byte order.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_port)!, as: UInt16.self)))
        }
    }

    /// `setsockopt(TCP_NODELAY, 1)`; a no-op on a Unix socket.
    package static func disableNagle(_ descriptor: Int32) {
        var on: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// `accept` on a listening socket, the new socket made close-on-exec (and Nagle's delay
    /// off for TCP).
    package static func acceptConnection(_ listening: Int32) throws -> Int32 {
        let descriptor = try retrying("accept()") { accept(listening, nil, nil) }
        do {
            try setCloseOnExec(descriptor)
        } catch {
            closeDescriptor(descriptor)
            throw error
        }
        disableNagle(descriptor)
        return descriptor
    }

    /// `setsockopt(SO_RCVTIMEO / SO_SNDTIMEO)`: a receive or send on `descriptor` that
    /// waits longer than `seconds` fails with EAGAIN; nil waits for ever.
    package static func setTimeouts(_ descriptor: Int32, receive: Double?, send: Double?) {
        func interval(_ seconds: Double?) -> timeval {
            guard let seconds, seconds > 0 else { return timeval() }
            let whole = seconds.rounded(.down)
            return timeval(tv_sec: Int(whole), tv_usec: max(1, Int((seconds - whole) * 1e6)))
        }
        var receiveInterval = interval(receive)
        var sendInterval = interval(send)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &receiveInterval, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendInterval, socklen_t(MemoryLayout<timeval>.size))
    }

    /// `shutdown(fd, SHUT_RDWR)`: wakes every thread blocked on the socket, in this process
    /// or another, with end of stream, even while other descriptors still refer to it.
    package static func shutdownBoth(_ descriptor: Int32) {
        #if canImport(Glibc)
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        #else
        _ = Darwin.shutdown(descriptor, SHUT_RDWR)
        #endif
    }

    /// `unlink(path)`; a missing file is not an error.
    package static func removeFile(_ path: String) {
        _ = unlink(path)
    }

    /// `poll(entries, timeout)` over several descriptors: how many have events; 0 when
    /// `milliseconds` passed first (-1 waits for ever). EINTR counts as 0.
    package static func pollDescriptors(_ entries: UnsafeMutableBufferPointer<pollfd>, milliseconds: Int32) throws -> Int {
        let ready = poll(entries.baseAddress, nfds_t(entries.count), milliseconds)
        if ready >= 0 { return Int(ready) }
        let code = currentErrno()
        if code == EINTR { return 0 }
        throw MultiprocessingError(.systemCallFailed, errno: code, context: "poll()")
    }

    /// Checks `entries` for events without sleeping (`poll` with timeout 0), and
    /// `isReady()` before each check, yielding the processor (`sched_yield`) between
    /// checks, for at most `seconds`: whether an entry has events or `isReady()` held
    /// before the time ran out.
    ///
    /// A request–reply peer answers within microseconds, and falling asleep in `poll` costs
    /// more than that in the wake-up alone (tens of microseconds on a busy virtual machine).
    /// Yielding lets a peer that shares this processor run at once.
    package static func pollBriefly(
        _ entries: UnsafeMutableBufferPointer<pollfd>, seconds: Double, orUntil isReady: () -> Bool = { false }
    ) -> Bool {
        let deadline = monotonicSeconds() + seconds
        repeat {
            if isReady() || poll(entries.baseAddress, nfds_t(entries.count), 0) > 0 { return true }
            sched_yield()
        } while monotonicSeconds() < deadline
        return false
    }

    /// `pollBriefly` for one descriptor that is to become readable.
    @discardableResult
    package static func pollBriefly(readable descriptor: Int32, seconds: Double) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return withUnsafeMutablePointer(to: &entry) { pollBriefly(UnsafeMutableBufferPointer(start: $0, count: 1), seconds: seconds) }
    }

    /// Writes one byte to a wake pipe; a full pipe already wakes its reader.
    package static func signalWakePipe(_ descriptor: Int32) {
        _ = withUnsafeBytes(of: UInt8(1)) { try? write(descriptor, from: $0) }
    }

    /// Empties a wake pipe's read end without blocking: `read` while `poll` says readable.
    package static func drainWakePipe(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64)
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, 0) > 0, ((try? buffer.withUnsafeMutableBytes { try read(descriptor, into: $0) }) ?? 0) > 0 {}
    }
}
