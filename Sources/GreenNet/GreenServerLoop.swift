import GreenHub
import Greenlets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The accept loop behind ``GreenStreamServer`` and ``GreenHTTPServer``: one green thread
/// per connection, a bound on how many run at once, and a graceful stop.
final class GreenServerLoop<Connection: AnyObject> {
    private let accept: () throws -> Connection
    private let closeListener: () -> Void
    private let closeConnection: (Connection) -> Void
    private let handler: (Connection) throws -> Void
    private let onStop: (Connection) -> Void
    private let label: String
    private var acceptThread: GreenThread<Void>?
    private var running: [ObjectIdentifier: (thread: AnyGreenThread, connection: Connection)] = [:]
    private var slotWaiter: Waiter?
    private(set) var isStopping = false
    let maxConnections: Int?
    var errorLog: (String) -> Void = { message in
        var line = message + "\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    init(
        label: String,
        maxConnections: Int?,
        accept: @escaping () throws -> Connection,
        closeListener: @escaping () -> Void,
        closeConnection: @escaping (Connection) -> Void,
        onStop: @escaping (Connection) -> Void = { _ in },
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
        self.handler = handler
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
                errorLog("\(label): \(error)")
                try Green.sleep(0.1)
                continue
            }
            spawnHandler(for: connection)
        }
    }

    private func spawnHandler(for connection: Connection) {
        let key = ObjectIdentifier(connection)
        let thread = Green.spawn { [unowned self] in
            defer { finished(key, connection) }
            do {
                try handler(connection)
            } catch is GreenletExit {
                return
            } catch {
                errorLog("\(label): a connection handler failed: \(error)")
            }
        }
        running[key] = (thread, connection)
    }

    private func finished(_ key: ObjectIdentifier, _ connection: Connection) {
        closeConnection(connection)
        running[key] = nil
        if let waiter = slotWaiter {
            slotWaiter = nil
            waiter.wake()
        }
    }
}
