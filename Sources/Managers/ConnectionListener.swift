import Multiprocessing
import Synchronization
import WeaveDurations

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening socket that hands out authenticated connections (Python's
/// `multiprocessing.connection.Listener`).
///
/// Each accepted connection is a ``/Multiprocessing/ProcessConnection``, the same type a ``/Multiprocessing/ProcessPipe`` makes:
/// it carries Codable values in Weave's binary encoding and raw bytes, in frames of at most
/// `maximumMessageSize` bytes (a bigger announced frame is refused before it is allocated).
/// Nothing received can run code: only Codable data crosses the wire.
///
/// A client that fails the handshake — a wrong key, no key, garbage, a frame over the
/// handshake's limit, a half-finished or silent handshake — makes `accept()` throw a
/// ``ConnectionError`` (and log a warning); the listener stays open, and the next `accept()`
/// serves the next client.
///
/// One thread at a time may call `accept()`; `close()` may be called from any thread and
/// wakes it.
public final class ConnectionListener: @unchecked Sendable {
    /// The address clients connect to; for TCP with port 0, the port the system chose.
    public let address: ConnectionAddress
    /// The key clients must prove they hold, or nil to let any local client in.
    public let authenticationKey: AuthenticationKey?
    /// Seconds a client has to complete each step of the handshake.
    public let handshakeTimeout: Double
    /// The largest frame an accepted connection receives.
    public let maximumMessageSize: Int
    package let descriptor: Int32
    private let state = Mutex(State.open)
    private let creator = getpid()

    private enum State { case open, closed }

    /// Listens on `address` (`socket`, `bind`, `listen`; a Unix socket is made owner-only
    /// with `chmod(0600)` before `listen`).
    ///
    /// - Parameters:
    ///   - address: Where to listen; a fresh Unix socket path by default.
    ///   - authenticationKey: The key clients must hold; nil turns authentication off
    ///     (allowed, but pass a key for any TCP address another machine can reach).
    ///   - backlog: Connections the kernel queues before `accept` (`listen`'s backlog).
    ///   - handshakeTimeout: Seconds a client has for each handshake step.
    ///   - maximumMessageSize: The largest frame an accepted connection receives (64 MiB by default).
    /// - Throws: ``/Multiprocessing/MultiprocessingError`` `.systemCallFailed` (EADDRINUSE: the address is
    ///   taken) or `.invalidArgument` (a path too long, a host that does not resolve).
    @DurationOverload
    public init(
        address: ConnectionAddress = .temporaryUnix(),
        authenticationKey: AuthenticationKey?,
        backlog: Int = 128,
        handshakeTimeout: Double = 5,
        maximumMessageSize: Int = 64 << 20
    ) throws {
        switch address {
        case .unix(let path):
            descriptor = try Syscalls.listenUnix(path: path, backlog: Int32(clamping: backlog))
            self.address = address
        case .tcp(let host, let port):
            let bound = try Syscalls.listenTCP(host: host, port: port, backlog: Int32(clamping: backlog))
            descriptor = bound.descriptor
            self.address = .tcp(host: host, port: bound.port)
        }
        self.authenticationKey = authenticationKey
        self.handshakeTimeout = handshakeTimeout
        self.maximumMessageSize = maximumMessageSize
        ConnectionEvents.logger.debug("listening", metadata: ["address": "\(self.address)"])
    }

    deinit {
        if state.withLock({ $0 == .open }) { shut(unlinking: getpid() == creator) }
    }

    /// Waits for the next client and authenticates it (`accept`, then the handshake).
    /// - Returns: The authenticated connection.
    /// - Throws: ``ConnectionError`` when this client fails the handshake (the listener goes
    ///   on; call `accept()` again), ``/Multiprocessing/MultiprocessingError`` `.endOfStream` once the listener
    ///   is closed, `.systemCallFailed` for other socket failures.
    public func accept() throws -> ProcessConnection {
        try authenticate(acceptSocket())
    }

    /// Accepts the next socket without authenticating it.
    package func acceptSocket() throws -> Int32 {
        do {
            return try Syscalls.acceptConnection(descriptor)
        } catch let error as MultiprocessingError where isClosed {
            throw MultiprocessingError(.endOfStream, context: "the listener on \(address) was closed (\(error.context))")
        }
    }

    /// Runs the listener's side of the handshake on an accepted socket, which the returned
    /// connection then owns. A refused socket is closed, logged and counted.
    package func authenticate(_ socket: Int32) throws -> ProcessConnection {
        let connection = ProcessConnection(descriptor: socket, readable: true, writable: true)
        do {
            try Handshake.serve(connection, key: authenticationKey, timeout: handshakeTimeout)
        } catch {
            connection.close()
            ConnectionEvents.recordRefused(on: address, error)
            throw error
        }
        connection.maximumMessageSize = maximumMessageSize
        ConnectionEvents.recordAccepted(on: address)
        return connection
    }

    /// Whether `close()` was called.
    public var isClosed: Bool { state.withLock { $0 == .closed } }

    /// Stops listening (`shutdown`, `close`) and removes a Unix socket's file. A thread
    /// blocked in `accept()` wakes with `.endOfStream`. Connections already accepted stay open.
    public func close() {
        shut(unlinking: true)
    }

    /// Closes this process's copy of the socket without removing a Unix socket's file, for
    /// a process that handed the listener to another (a forked manager).
    package func closeCopy() {
        shut(unlinking: false)
    }

    private func shut(unlinking: Bool) {
        let wasOpen = state.withLock { state in
            defer { state = .closed }
            return state == .open
        }
        guard wasOpen else { return }
        if unlinking { Syscalls.shutdownBoth(descriptor) }
        Syscalls.closeDescriptor(descriptor)
        if unlinking, case .unix(let path) = address { Syscalls.removeFile(path) }
    }
}
