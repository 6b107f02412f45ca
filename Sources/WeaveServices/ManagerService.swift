import Logging
import Managers
import ServiceLifecycle

/// A manager of shared objects (``/Managers/Manager``) as a swift-service-lifecycle `Service`: it
/// serves until the group shuts down, then stops.
///
/// The manager is started before the group runs (``/Managers/Manager/start()``), so that the other
/// services get their proxies first. On the group's graceful shutdown, or its
/// cancellation, `run()` calls ``/Managers/Manager/shutdown()`` on a thread of its own: calls in flight
/// fail with ``/Managers/ManagerError`` `.managerStopped` instead of hanging, the manager process is
/// joined (killed if it does not end within 5 s) and its Unix socket file is removed, so
/// neither outlives `run()`.
public struct ManagerService: Service {
    /// The manager the service runs.
    public let manager: Manager
    private let logger: Logger

    /// Wraps `manager`.
    ///
    /// - Parameters:
    ///   - manager: The manager; started already, or connected to one another program
    ///     serves (then the shutdown asks that server to stop).
    ///   - logger: Where the service says it shut the manager down, at `info`, or why it
    ///     could not, at `error`.
    public init(_ manager: Manager, logger: Logger = Logger(label: "weave.services.manager")) {
        self.manager = manager
        self.logger = logger
    }

    /// Waits for the group's shutdown, then shuts the manager down.
    /// - Throws: The error ``/Managers/Manager/shutdown()`` threw (killing or joining its process
    ///   failed), after logging it.
    public func run() async throws {
        let graceful = await awaitShutdown()
        let manager = manager
        let outcome = await runBlockingShutdown(named: "manager-shutdown") {
            Result { try manager.shutdown() }
        }
        let metadata: Logger.Metadata = ["address": "\(manager.address)", "graceful": "\(graceful)"]
        do {
            try outcome.get()
        } catch {
            logger.error("manager shutdown failed: \(error)", metadata: metadata)
            throw error
        }
        logger.info("manager shut down", metadata: metadata)
    }
}
