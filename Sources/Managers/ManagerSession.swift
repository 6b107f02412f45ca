import GreenHub
import Multiprocessing
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process's link to one manager: a random session id the manager knows the process by
/// (locks are owned by sessions), and a pool of authenticated connections, one per call in
/// flight, so a thread or greenlet blocked in a lock acquire never holds up another's call.
///
/// Calls from plain code block the calling thread. Calls from a greenlet run through
/// `Green.runBlocking`, so only that greenlet waits and its hub keeps running the others;
/// a call that blocks on the manager (a lock acquire, a queue get, an event wait) then
/// holds one of the process's blocking-pool threads until it returns.
///
/// After a fork the child starts a session of its own on first use, with new connections:
/// sockets inherited from the parent stay the parent's.
final class ManagerSession: Sendable {
    let address: ConnectionAddress
    let authenticationKey: AuthenticationKey?
    let handshakeTimeout: Double
    private let state: Mutex<State>
    /// Seconds a call checks for its reply without sleeping before it sleeps in `recv`:
    /// the manager answers most calls within microseconds.
    static let spinSeconds = 50e-6

    private struct State {
        var owner: pid_t
        var session: UInt64
        var idle: [ProcessConnection] = []
        var isClosed = false

        init() {
            owner = getpid()
            session = UInt64.random(in: 1...UInt64.max)
        }
    }

    init(address: ConnectionAddress, authenticationKey: AuthenticationKey?, handshakeTimeout: Double) {
        self.address = address
        self.authenticationKey = authenticationKey
        self.handshakeTimeout = handshakeTimeout
        state = Mutex(State())
    }

    /// Sends `request` and returns the manager's reply, as described above.
    /// - Throws: ``ManagerError`` `.managerStopped` when the manager is gone or goes away
    ///   during the call; ``ConnectionError`` when it refuses our key.
    func call(_ request: ManagerRequest) throws -> ManagerReply {
        if Hub.parkableCurrent != nil {
            return try Green.runBlocking { try self.roundTrip(request) }
        }
        return try roundTrip(request)
    }

    private func roundTrip(_ request: ManagerRequest) throws -> ManagerReply {
        let connection = try checkOut()
        do {
            try connection.sendBytes(request.encoded)
            Syscalls.pollBriefly(readable: connection.descriptor, seconds: Self.spinSeconds)
            let reply = try ManagerReply(decoding: connection.receiveBytes())
            checkIn(connection)
            return reply
        } catch {
            connection.close()
            throw Self.translate(error, address: address)
        }
    }

    /// An idle connection of this process's session, or a new one that said hello.
    private func checkOut() throws -> ProcessConnection {
        let me = getpid()
        let (reused, session): (ProcessConnection?, UInt64) = try state.withLock { state in
            if state.owner != me {
                state = State()
            }
            if state.isClosed {
                throw ManagerError(.managerStopped, context: "this process closed its link to the manager at \(address)")
            }
            return (state.idle.popLast(), state.session)
        }
        if let reused { return reused }
        do {
            let connection = try ConnectionClient.connect(
                to: address, authenticationKey: authenticationKey, handshakeTimeout: handshakeTimeout)
            try connection.sendBytes(ManagerRequest(.hello, [WireValue.word(session)]).encoded)
            let reply = try ManagerReply(decoding: connection.receiveBytes())
            guard reply.status == .ok else { throw ManagerError(.invalidRequest, context: "the manager refused our hello") }
            return connection
        } catch let error as ConnectionError {
            throw error
        } catch {
            throw Self.translate(error, address: address)
        }
    }

    private func checkIn(_ connection: ProcessConnection) {
        let me = getpid()
        let kept = state.withLock { state in
            guard state.owner == me, !state.isClosed else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    /// Closes this process's idle connections; later calls throw `.managerStopped`. The
    /// manager treats the session as ended once its last connection closes.
    func close() {
        let idle = state.withLock { state in
            state.isClosed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    /// Socket failures that mean the manager is gone become `.managerStopped`.
    static func translate(_ error: any Error, address: ConnectionAddress) -> any Error {
        guard let failure = error as? MultiprocessingError else { return error }
        switch failure.code {
        case .endOfStream, .truncatedMessage:
            return ManagerError(.managerStopped, context: "the manager at \(address) closed the connection")
        case .systemCallFailed:
            switch failure.errno {
            case ENOENT?, ECONNREFUSED?, ECONNRESET?, EPIPE?:
                return ManagerError(.managerStopped, context: "no manager at \(address): \(failure)")
            default:
                return error
            }
        default:
            return error
        }
    }
}
