import Multiprocessing
import WeaveDurations

/// Connects to a ``ConnectionListener`` (Python's `multiprocessing.connection.Client`).
public enum ConnectionClient {
    /// Connects to `address` and authenticates both ways (`socket`, `connect`, then the
    /// handshake). Any thread may call it; it blocks the calling thread.
    ///
    /// - Parameters:
    ///   - address: The listener's address.
    ///   - authenticationKey: The listener's key, or nil when it has none.
    ///   - handshakeTimeout: Seconds the listener has for each handshake step.
    ///   - maximumMessageSize: The largest frame the connection receives (64 MiB by default).
    /// - Returns: A connection carrying Codable values and raw bytes.
    /// - Throws: ``ConnectionError`` when authentication fails either way or the listener
    ///   does not speak the protocol; ``/Multiprocessing/MultiprocessingError`` `.systemCallFailed` when
    ///   nothing listens there (ENOENT, ECONNREFUSED).
    @DurationOverload
    public static func connect(
        to address: ConnectionAddress,
        authenticationKey: AuthenticationKey?,
        handshakeTimeout: Double = 5,
        maximumMessageSize: Int = 64 << 20
    ) throws -> ProcessConnection {
        let socket: Int32
        switch address {
        case .unix(let path): socket = try Syscalls.connectUnix(path: path)
        case .tcp(let host, let port): socket = try Syscalls.connectTCP(host: host, port: port)
        }
        let connection = ProcessConnection(descriptor: socket, readable: true, writable: true)
        do {
            try Handshake.join(connection, key: authenticationKey, timeout: handshakeTimeout)
        } catch {
            connection.close()
            throw error
        }
        connection.maximumMessageSize = maximumMessageSize
        return connection
    }

}
