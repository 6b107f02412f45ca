import Multiprocessing
import Synchronization
import WeaveDurations

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server of shared objects and the handle to it (Python's `multiprocessing.Manager()`
/// and `managers.BaseManager`).
///
/// `start()` forks a manager process that serves dictionaries, lists, namespaces, queues,
/// locks, events and your own ``ServedType``s to proxies, over an authenticated connection
/// per call in flight; `connect()` reaches a manager another program serves (on this
/// machine or, over TCP, another one); `serveForever()` serves from the calling thread.
/// Every operation runs atomically on the manager's one serving thread.
///
/// ```
/// let manager = Manager()
/// try manager.start()
/// let counts: ManagedDictionary<String, Int> = try manager.dictionary()
/// ```
///
/// Any thread may use a manager and its proxies. A forked child may use the ones its parent
/// made before the fork; it opens connections of its own.
///
/// Where it stops scaling: one serving thread answers every call, one round trip each, so a
/// manager tops out at about one core's worth of small operations, all processes
/// together, and keeps everything in one process's memory. Past that, use the distributed
/// pool on PostgreSQL.
public final class Manager: @unchecked Sendable {
    /// The key clients must hold: a random one unless another was given.
    public let authenticationKey: AuthenticationKey?
    /// Seconds each side has for each handshake step.
    public let handshakeTimeout: Double
    private let requestedAddress: ConnectionAddress
    private let state: Mutex<State>
    /// The process that made this handle: only it joins a started manager process, and
    /// only its handle's `deinit` shuts the manager down.
    private let creator = getpid()

    private enum State {
        case notStarted([ServedTypeEntry])
        case started(ChildProcess, ManagerSession)
        case connected(ManagerSession)
        case serving(ManagerServer, ManagerSession)
        case stopped(ConnectionAddress)
    }

    /// A manager for `address`, not yet started or connected.
    /// - Parameters:
    ///   - address: Where it serves (`start()`, `serveForever()`) or is reached
    ///     (`connect()`); a fresh Unix socket path by default. TCP port 0 lets the system
    ///     choose a port; `address` then tells it.
    ///   - authenticationKey: The key every connection must prove it holds; a random key by
    ///     default, which processes forked from this one share. Pass the same key to a
    ///     remote manager's clients.
    ///   - handshakeTimeout: Seconds each handshake step may take.
    @DurationOverload
    public init(
        address: ConnectionAddress = .temporaryUnix(),
        authenticationKey: AuthenticationKey? = .random(),
        handshakeTimeout: Double = 5
    ) {
        requestedAddress = address
        self.authenticationKey = authenticationKey
        self.handshakeTimeout = handshakeTimeout
        state = Mutex(.notStarted([]))
    }

    deinit {
        if getpid() == creator, case .started = state.withLock({ $0 }) { try? shutdown() }
    }

    /// Registers a type of your own for the manager to serve (Python's
    /// `BaseManager.register`); proxies get instances with `make(_:named:)`.
    /// - Throws: ``ManagerError`` `.alreadyStarted` after `start()`, `connect()` or
    ///   `serveForever()`: the serving process must have the type when it starts.
    public func register<Object: AnyObject>(_ type: ServedType<Object>) throws {
        try state.withLock { state in
            guard case .notStarted(var types) = state else {
                throw ManagerError(.alreadyStarted, context: "register \(type.name) before start()")
            }
            types.append(type.erased)
            state = .notStarted(types)
        }
    }

    /// Where the manager serves: for a TCP port 0, the port chosen once started.
    public var address: ConnectionAddress {
        switch state.withLock({ $0 }) {
        case .notStarted: requestedAddress
        case .started(_, let session), .connected(let session), .serving(_, let session): session.address
        case .stopped(let address): address
        }
    }

    /// The manager process's pid once `start()` forked it; nil otherwise.
    public var pid: Int32? {
        guard case .started(let process, _) = state.withLock({ $0 }) else { return nil }
        return process.pid
    }

    // MARK: Starting, connecting, serving, stopping

    /// Forks the manager process and returns once it listens (Python's `manager.start()`).
    /// The process is a daemon: it dies with this one.
    /// - Throws: ``ManagerError`` `.alreadyStarted`; ``/Multiprocessing/MultiprocessingError`` when the address
    ///   is taken or the fork fails.
    public func start() throws {
        try state.withLock { state in
            guard case .notStarted(let types) = state else { throw ManagerError(.alreadyStarted) }
            let listener = try ConnectionListener(
                address: requestedAddress, authenticationKey: authenticationKey, handshakeTimeout: handshakeTimeout)
            let process = ChildProcess(name: "Manager", daemon: true, startMethod: .fork) {
                try ManagerServer(listener: listener, types: types).serve()
            }
            do {
                try process.start()
            } catch {
                listener.close()
                throw error
            }
            listener.closeCopy()
            state = .started(process, session(for: listener.address))
        }
    }

    /// Connects to a manager already serving at `address` with the same key (Python's
    /// `manager.connect()`), checking that it answers.
    /// - Throws: ``ManagerError`` `.alreadyStarted`, `.managerStopped` when nothing serves
    ///   there; ``ConnectionError`` when it refuses the key.
    public func connect() throws {
        let session = session(for: requestedAddress)
        try ensureOK(session.call(ManagerRequest(.ping)))
        try state.withLock { state in
            guard case .notStarted = state else { throw ManagerError(.alreadyStarted) }
            state = .connected(session)
        }
    }

    /// Serves from the calling thread until a client calls `shutdown()` (Python's
    /// `manager.get_server().serve_forever()`): the way to run a manager that processes on
    /// other machines `connect()` to, with a TCP address and a shared key.
    /// - Throws: ``ManagerError`` `.alreadyStarted`; ``/Multiprocessing/MultiprocessingError`` when the address
    ///   is taken.
    public func serveForever() throws {
        let server: ManagerServer = try state.withLock { state in
            guard case .notStarted(let types) = state else { throw ManagerError(.alreadyStarted) }
            let listener = try ConnectionListener(
                address: requestedAddress, authenticationKey: authenticationKey, handshakeTimeout: handshakeTimeout)
            let server = try ManagerServer(listener: listener, types: types)
            state = .serving(server, session(for: listener.address))
            return server
        }
        server.serve()
        state.withLock { $0 = .stopped(server.listener.address) }
    }

    /// Stops the manager (Python's `manager.shutdown()`): every call in flight, in any
    /// process, fails with ``ManagerError`` `.managerStopped` instead of hanging, and so does
    /// every later call. A started manager's process is joined (killed if it does not end
    /// within 5 s by the process that started it); a connected one's server is asked to stop
    /// too. Calling it twice does nothing. A forked child's copy of a started manager shuts
    /// it down only when asked to, never in its `deinit`.
    public func shutdown() throws {
        let previous = state.withLock { state in
            let previous = state
            switch state {
            case .notStarted, .stopped: break
            default: state = .stopped(address(of: state))
            }
            return previous
        }
        switch previous {
        case .notStarted, .stopped:
            return
        case .started(let process, let session):
            _ = try? session.call(ManagerRequest(.shutdown))
            session.close()
            guard getpid() == creator else { return }
            if try !process.join(timeout: 5) {
                try process.kill()
                _ = try process.join()
            }
            // A manager process that was killed could not remove its socket file.
            if case .unix(let path) = session.address { Syscalls.removeFile(path) }
        case .connected(let session):
            _ = try? session.call(ManagerRequest(.shutdown))
            session.close()
        case .serving(let server, let session):
            session.close()
            server.stop()
        }
    }

    private func address(of state: State) -> ConnectionAddress {
        switch state {
        case .notStarted: requestedAddress
        case .started(_, let session), .connected(let session), .serving(_, let session): session.address
        case .stopped(let address): address
        }
    }

    private func session(for address: ConnectionAddress) -> ManagerSession {
        ManagerSession(address: address, authenticationKey: authenticationKey, handshakeTimeout: handshakeTimeout)
    }

    // MARK: Shared objects

    /// Creates (or, given a `name` already used, finds) an object of `kind` and returns its
    /// proxy core.
    private func create(_ kind: ServedKind, named name: String?, parameter: Int = 0, typeName: String = "") throws -> ProxyCore {
        let session: ManagerSession = try state.withLock { state in
            switch state {
            case .notStarted: throw ManagerError(.notStarted)
            case .stopped(let address): throw ManagerError(.managerStopped, context: "the manager at \(address) was shut down")
            case .started(_, let session), .connected(let session), .serving(_, let session): return session
            }
        }
        let reply = try session.call(ManagerRequest(.create, [
            [kind.rawValue], Array((name ?? "").utf8), WireValue.word(UInt64(max(0, parameter))), Array(typeName.utf8),
        ]))
        try ensureOK(reply)
        return ProxyCore(session: session, object: try WireValue.word(ProxyCore.value(reply, 0)))
    }

    private func ensureOK(_ reply: ManagerReply) throws {
        guard reply.status == .ok else { throw ProxyCore.error(for: reply) }
    }

    /// A shared dictionary (Python's `manager.dict()`).
    /// - Parameters:
    ///   - name: nil makes a new one; a name returns the one every process asking for that
    ///     name shares, made on first use (how processes that `connect()` find it).
    ///   - type: The dictionary's type, when the call site does not say it.
    /// - Throws: ``ManagerError`` `.wrongKind` when the name belongs to another kind;
    ///   `.notStarted`, `.managerStopped`.
    public func dictionary<Key: Codable & Hashable, Value: Codable>(
        named name: String? = nil, of type: [Key: Value].Type = [Key: Value].self
    ) throws -> ManagedDictionary<Key, Value> {
        ManagedDictionary(core: try create(.dictionary, named: name))
    }

    /// A shared list (Python's `manager.list()`); `name` as for `dictionary(named:of:)`.
    public func list<Element: Codable>(
        named name: String? = nil, of type: [Element].Type = [Element].self
    ) throws -> ManagedList<Element> {
        ManagedList(core: try create(.list, named: name))
    }

    /// A shared namespace (Python's `manager.Namespace()`); `name` as for
    /// `dictionary(named:of:)`.
    public func namespace(named name: String? = nil) throws -> ManagedNamespace {
        ManagedNamespace(core: try create(.namespace, named: name))
    }

    /// A shared queue (Python's `manager.Queue(maxsize)`).
    /// - Parameters:
    ///   - name: As for `dictionary(named:of:)`.
    ///   - type: The element type, when the call site does not say it.
    ///   - maximumCount: The most elements it holds before `put` waits; 0 for no limit.
    public func queue<Element: Codable>(
        named name: String? = nil, of type: Element.Type = Element.self, maximumCount: Int = 0
    ) throws -> ManagedQueue<Element> {
        ManagedQueue(core: try create(.queue, named: name, parameter: maximumCount))
    }

    /// A shared lock (Python's `manager.Lock()`); `name` as for `dictionary(named:of:)`.
    public func lock(named name: String? = nil) throws -> ManagedLock {
        ManagedLock(core: try create(.lock, named: name))
    }

    /// A shared event (Python's `manager.Event()`); `name` as for `dictionary(named:of:)`.
    public func event(named name: String? = nil) throws -> ManagedEvent {
        ManagedEvent(core: try create(.event, named: name))
    }

    /// An instance of a registered ``ServedType`` (the factory Python's
    /// `BaseManager.register(typeid)` adds); `name` as for `dictionary(named:of:)`.
    /// - Throws: ``ManagerError`` `.unknownType` when the manager has no such type.
    public func make(_ typeName: String, named name: String? = nil) throws -> ManagedObject {
        ManagedObject(core: try create(.custom, named: name, typeName: typeName), typeName: typeName)
    }
}
