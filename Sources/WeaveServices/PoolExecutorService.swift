import Executors
import Logging
import ServiceLifecycle

/// An executor — processes, threads or greenlets — as a swift-service-lifecycle `Service`:
/// it serves until the group shuts down, then lets its work finish.
///
/// On a graceful shutdown the executor stops taking work, runs what was submitted and
/// lets its workers go (`shutdown(wait: true, cancelFutures: false)`); on cancellation it
/// also cancels the work not yet started. A process executor's workers are gone when
/// `run()` returns.
public struct PoolExecutorService: Service {
    /// The executor the service runs; submit to it from the other services.
    public let executor: any PoolExecutor
    private let logger: Logger

    /// Wraps `executor`.
    ///
    /// - Parameters:
    ///   - executor: The executor; it already runs, and takes work before the group starts.
    ///   - logger: Where the service says it shut the executor down, at `info`.
    public init(_ executor: any PoolExecutor, logger: Logger = Logger(label: "weave.services.executor")) {
        self.executor = executor
        self.logger = logger
    }

    /// Waits for the group's shutdown, then shuts the executor down.
    public func run() async throws {
        let graceful = await awaitShutdown()
        let executor = executor
        await runBlockingShutdown(named: "executor-shutdown") {
            executor.shutdown(wait: true, cancelFutures: !graceful)
        }
        logger.info("executor shut down", metadata: ["executor": "\(type(of: executor))", "graceful": "\(graceful)"])
    }
}
