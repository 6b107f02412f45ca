import GreenHub
import Greenlets
import Logging

/// The accept loop behind ``GreenStreamServer`` and ``GreenHTTPServer``: one green thread
/// per connection, a bound on how many run at once, and a graceful stop.
final class GreenServerLoop<Connection: AnyObject> {
    private let accept: () throws -> Connection
    private let closeListener: () -> Void
    private let closeConnection: (Connection) -> Void
    private let handler: (Connection) throws -> Void
    private let onStop: (Connection) -> Void
    private let peer: (Connection) -> String
    private let label: String
    private var acceptThread: GreenThread<Void>?
    private var running: [ObjectIdentifier: (thread: AnyGreenThread, connection: Connection)] = [:]
    private var slotWaiter: Waiter?
    private(set) var isStopping = false
    let maxConnections: Int?
    /// Where the loop reports: handler failures at `error`, connections at `trace`.
    var logger: Logger
    let metrics: GreenServerMetrics

    init(
        label: String,
        kind: String,
        port: Int,
        maxConnections: Int?,
        accept: @escaping () throws -> Connection,
        closeListener: @escaping () -> Void,
        closeConnection: @escaping (Connection) -> Void,
        onStop: @escaping (Connection) -> Void = { _ in },
        peer: @escaping (Connection) -> String,
        handler: @escaping (Connection) throws -> Void
    ) throws {
        if let maxConnections, maxConnections < 1 {
            throw GreenNetError(.invalidArgument, "maxConnections must be 1 or more, not \(maxConnections); pass nil for no limit")
        }
        self.label = label
        self.maxConnections = maxConnections
        self.accept = accept
        self.closeListener = closeListener
        self.closeConnection = closeConnection
        self.onStop = onStop
        self.peer = peer
        self.handler = handler
        var logger = Logger(label: "weave.greennet.server")
        logger[metadataKey: "server"] = "\(label)"
        self.logger = logger
        metrics = GreenServerMetrics(kind: kind, port: port)
    }

    var activeConnections: Int { running.count }

    func start() {
        guard acceptThread == nil, !isStopping else { return }
        acceptThread = Green.spawn(name: label) { [unowned self] in
            try acceptLoop()
        }
    }

    func serveForever() throws {
        start()
        try acceptThread?.join()
    }

    func stop(timeout: Double) throws {
        isStopping = true
        closeListener()
        slotWaiter?.wake()
        slotWaiter = nil
        try acceptThread?.join()
        for entry in running.values {
            onStop(entry.connection)
        }
        try Green.joinAll(running.values.map(\.thread), timeout: max(timeout, 0))
        let left = running.values.map(\.thread)
        try Green.killAll(left)
    }

    private func acceptLoop() throws {
        while !isStopping {
            if let maxConnections, running.count >= maxConnections {
                try Hub.current.wait(for: "a free connection slot (maxConnections \(maxConnections))") { waiter in
                    slotWaiter = waiter
                }
                continue
            }
            let connection: Connection
            do {
                connection = try accept()
            } catch let error as GreenNetError where error.code == .serverStopped {
                return
            } catch let error as GreenNetError where error.code == .bindFailed {
                logger.warning("accepting a connection failed; trying again in 0.1 s", metadata: ["error": "\(error)"])
                try Green.sleep(0.1)
                continue
            }
            spawnHandler(for: connection)
        }
    }

    private func spawnHandler(for connection: Connection) {
        let key = ObjectIdentifier(connection)
        let peer = peer(connection)
        logger.trace("accepted a connection", metadata: ["peer": "\(peer)"])
        metrics.connectionOpened()
        let thread = Green.spawn { [unowned self] in
            defer { finished(key, connection) }
            do {
                try handler(connection)
            } catch is GreenletExit {
                return
            } catch {
                logger.error("a connection handler failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            }
        }
        running[key] = (thread, connection)
    }

    private func finished(_ key: ObjectIdentifier, _ connection: Connection) {
        closeConnection(connection)
        metrics.connectionClosed()
        running[key] = nil
        if let waiter = slotWaiter {
            slotWaiter = nil
            waiter.wake()
        }
    }
}
