import ServiceLifecycle

extension DistributedWorker: Service {
    /// Runs the worker as a swift-service-lifecycle `Service`: a graceful shutdown of its
    /// `ServiceGroup` stops claiming, finishes and records the tasks it holds (``stop()``);
    /// a cancelled group leaves them to other workers once their leases run out.
    public func run() async {
        await withGracefulShutdownHandler {
            await runUntilStopped()
        } onGracefulShutdown: {
            self.stop()
        }
    }
}
