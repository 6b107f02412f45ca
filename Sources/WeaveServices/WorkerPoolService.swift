import Logging
import Multiprocessing
import ServiceLifecycle

/// A process pool (``/Multiprocessing/ProcessPool``, or any ``/Multiprocessing/WorkerPool``) as a swift-service-lifecycle
/// `Service`: it serves until the group shuts down, then closes.
///
/// On a graceful shutdown the pool closes (`close()`), its workers finish the queued work
/// and exit, and `run()` returns once they are joined; on cancellation the workers are
/// terminated at once. No worker outlives `run()`.
public struct WorkerPoolService: Service {
    /// The pool the service runs.
    public let pool: WorkerPool
    private let logger: Logger

    /// Wraps `pool`.
    ///
    /// - Parameters:
    ///   - pool: The pool; it already runs.
    ///   - logger: Where the service says it closed the pool, at `info`.
    public init(_ pool: WorkerPool, logger: Logger = Logger(label: "weave.services.pool")) {
        self.pool = pool
        self.logger = logger
    }

    /// Waits for the group's shutdown, then closes and joins the pool (terminating it when
    /// cancelled).
    public func run() async throws {
        let graceful = await awaitShutdown()
        let pool = pool
        await runBlockingShutdown(named: "pool-shutdown") {
            if graceful {
                pool.close()
            } else {
                pool.terminate()
            }
            _ = try? pool.join()
        }
        logger.info("pool closed", metadata: ["graceful": "\(graceful)"])
    }
}
