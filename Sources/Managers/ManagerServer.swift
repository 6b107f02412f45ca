import GreenHub
import Multiprocessing
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The manager's serving loop (Python's `managers.Server`), run by one thread: it polls the
/// listener, a wake pipe and every authenticated connection, and answers one request at a
/// time from `ServedObjects`, so each operation is atomic.
///
/// Handshakes run on short-lived threads of their own, so a silent or slow client never
/// holds up the others; at most `maximumConcurrentHandshakes` run at once, and connections
/// beyond them are refused. A connection whose process ended (end of stream, reset) is
/// dropped, its parked call forgotten; when a session's (a client process's) last
/// connection goes, the locks it held pass on, marked as abandoned. Stopping closes every
/// connection (`shutdown` first, so copies inherited by forked children close too), which
/// fails every call in flight with end of stream on the client side.
final class ManagerServer: @unchecked Sendable {
    static let maximumConcurrentHandshakes = 64
    /// Seconds the loop checks for the next request without sleeping before it sleeps in
    /// `poll`: a client in a loop of calls sends its next one within microseconds.
    static let spinSeconds = 50e-6

    let listener: ConnectionListener
    private let objects: ServedObjects
    private let wakePipe: (read: Int32, write: Int32)
    private let handoff = Mutex(Handoff())
    private let handshakesRunning = Atomic<Int>(0)
    /// Seconds a connection may stall in the middle of a frame, either way, before it is
    /// dropped.
    private let stallTimeout: Double

    // The serving thread's own state.
    private var clients: [UInt64: ServedClient] = [:]
    private var sessions: [UInt64: Int] = [:]
    private var nextConnection: UInt64 = 1
    private var stopRequested = false

    private struct Handoff {
        var stopping = false
        var stopped = false
        var connections: [ProcessConnection] = []
    }

    /// One authenticated connection, and the session it said hello from.
    private final class ServedClient {
        let connection: ProcessConnection
        var session: UInt64?
        var isParked = false

        init(_ connection: ProcessConnection) { self.connection = connection }
    }

    init(listener: ConnectionListener, types: [ServedTypeEntry]) throws {
        self.listener = listener
        objects = ServedObjects(types: types)
        wakePipe = try Syscalls.makePipe()
        stallTimeout = max(listener.handshakeTimeout, 1)
    }

    /// Asks the serving loop to stop; any thread may call it.
    func stop() {
        handoff.withLock { handoff in
            guard !handoff.stopped else { return }
            handoff.stopping = true
            Syscalls.signalWakePipe(wakePipe.write)
        }
    }

    /// Serves until a client asks for shutdown or `stop()` is called, then closes every
    /// connection and the listener.
    func serve() {
        ConnectionEvents.logger.debug("manager serving", metadata: ["address": "\(listener.address)"])
        defer { tearDown() }
        var entries: [pollfd] = []
        var order: [UInt64] = []
        while !stopRequested {
            entries.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            entries.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
            entries.append(pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0))
            for (id, client) in clients {
                entries.append(pollfd(fd: client.connection.descriptor, events: Int16(POLLIN), revents: 0))
                order.append(id)
            }
            let wait = objects.nextDeadline.map { Int32(clamping: Int((($0 - Syscalls.monotonicSeconds()) * 1000).rounded(.up))) }
            let ready = entries.withUnsafeMutableBufferPointer { Syscalls.pollBriefly($0, seconds: Self.spinSeconds) }
            if !ready {
                do {
                    _ = try entries.withUnsafeMutableBufferPointer { try Syscalls.pollDescriptors($0, milliseconds: wait.map { max($0, 0) } ?? -1) }
                } catch {
                    ConnectionEvents.logger.error("manager poll failed; stopping", metadata: ["error": "\(error)"])
                    return
                }
            }
            if entries[1].revents != 0 {
                Syscalls.drainWakePipe(wakePipe.read)
                if adoptHandedOff() { return }
            }
            if entries[0].revents != 0 { acceptOne() }
            for (index, id) in order.enumerated() where entries[index + 2].revents != 0 {
                serve(id)
                if stopRequested { return }
            }
            objects.expire(now: Syscalls.monotonicSeconds())
            deliverWakeups()
        }
    }

    // MARK: Connections

    /// Takes the connections handshake threads finished; true when `stop()` was called.
    private func adoptHandedOff() -> Bool {
        let (connections, stopping) = handoff.withLock { handoff in
            defer { handoff.connections.removeAll() }
            return (handoff.connections, handoff.stopping)
        }
        for connection in connections {
            clients[nextConnection] = ServedClient(connection)
            nextConnection += 1
        }
        return stopping
    }

    /// Accepts one socket and authenticates it on a thread of its own.
    private func acceptOne() {
        let socket: Int32
        do {
            socket = try listener.acceptSocket()
        } catch {
            ConnectionEvents.logger.warning("accept failed", metadata: ["error": "\(error)"])
            return
        }
        guard handshakesRunning.add(1, ordering: .relaxed).newValue <= Self.maximumConcurrentHandshakes else {
            handshakesRunning.subtract(1, ordering: .relaxed)
            Syscalls.closeDescriptor(socket)
            ConnectionEvents.recordRefused(on: listener.address, ConnectionError(.handshakeTimedOut, context: "too many handshakes at once"))
            return
        }
        let started = startDetachedThread { [self] in
            defer { handshakesRunning.subtract(1, ordering: .relaxed) }
            guard let connection = try? listener.authenticate(socket) else { return }
            Syscalls.setTimeouts(connection.descriptor, receive: stallTimeout, send: stallTimeout)
            let adopted = handoff.withLock { handoff in
                guard !handoff.stopped else { return false }
                handoff.connections.append(connection)
                Syscalls.signalWakePipe(wakePipe.write)
                return true
            }
            if !adopted { connection.close() }
        }
        if started != 0 {
            handshakesRunning.subtract(1, ordering: .relaxed)
            Syscalls.closeDescriptor(socket)
            ConnectionEvents.logger.warning("could not start a handshake thread", metadata: ["errno": "\(started)"])
        }
    }

    /// Reads and answers one request from a readable connection.
    private func serve(_ id: UInt64) {
        guard let client = clients[id] else { return }
        if client.isParked {
            // A client waits for its reply without sending; readable means it went away.
            drop(id, reason: "closed while waiting")
            return
        }
        let request: ManagerRequest
        do {
            request = try ManagerRequest(decoding: client.connection.receiveBytes())
        } catch let error as ManagerError {
            reply(.failure(.invalidRequest, error.context), to: id)
            return
        } catch {
            drop(id, reason: "\(error)")
            return
        }
        switch request.operation {
        case .hello:
            guard client.session == nil, let first = request.arguments.first, let session = try? WireValue.word(first) else {
                reply(.failure(.invalidRequest, "hello takes one session word, once"), to: id)
                return
            }
            client.session = session
            sessions[session, default: 0] += 1
            reply(ManagerReply(), to: id)
        case .shutdown:
            reply(ManagerReply(), to: id)
            stopRequested = true
        default:
            guard let session = client.session else {
                reply(.failure(.invalidRequest, "say hello first"), to: id)
                return
            }
            let caller = Caller(connection: id, session: session)
            if let answer = objects.handle(request, from: caller, now: Syscalls.monotonicSeconds()) {
                reply(answer, to: id)
            } else {
                client.isParked = true
            }
        }
        deliverWakeups()
    }

    private func reply(_ reply: ManagerReply, to id: UInt64) {
        guard let client = clients[id] else { return }
        do {
            try client.connection.sendBytes(reply.encoded)
        } catch {
            drop(id, reason: "\(error)")
        }
    }

    /// Sends the replies of parked calls that became ready, until none are left (dropping
    /// a connection on the way can end a session and free more).
    private func deliverWakeups() {
        while true {
            let wakeups = objects.takeWakeups()
            if wakeups.isEmpty { return }
            for (id, answer) in wakeups {
                clients[id]?.isParked = false
                reply(answer, to: id)
            }
        }
    }

    /// Closes a connection, forgets its parked call and ends its session with its last
    /// connection.
    private func drop(_ id: UInt64, reason: String) {
        guard let client = clients.removeValue(forKey: id) else { return }
        objects.connectionClosed(id)
        Syscalls.shutdownBoth(client.connection.descriptor)
        client.connection.close()
        ConnectionEvents.logger.debug("manager connection closed", metadata: ["reason": "\(reason)"])
        guard let session = client.session else { return }
        let left = sessions[session, default: 1] - 1
        if left > 0 {
            sessions[session] = left
        } else {
            sessions[session] = nil
            objects.sessionEnded(session)
        }
    }

    private func tearDown() {
        let pending = handoff.withLock { handoff in
            handoff.stopped = true
            defer { handoff.connections.removeAll() }
            return handoff.connections
        }
        for connection in pending + clients.values.map(\.connection) {
            Syscalls.shutdownBoth(connection.descriptor)
            connection.close()
        }
        clients.removeAll()
        listener.close()
        handoff.withLock { _ in
            Syscalls.closeDescriptor(wakePipe.read)
            Syscalls.closeDescriptor(wakePipe.write)
        }
        ConnectionEvents.logger.debug("manager stopped", metadata: ["address": "\(listener.address)"])
    }
}
