import GreenHub
import GreenNet
import Logging
import NIOCore
import ServiceLifecycle
import WeaveDurations

/// A green server as a swift-service-lifecycle `Service`: run it in a `ServiceGroup`, and
/// a graceful shutdown (SIGTERM, say) stops it the way `stop(timeout:)` does — no new
/// connections, requests in progress get `shutdownTimeout` to finish.
///
/// ```swift
/// let web = GreenServerService(port: 8080) { port in
///     try GreenHTTPServer(port: port, reusePort: true) { _ in GreenHTTPResponse(text: "hello\n") }
/// }
/// let group = ServiceGroup(configuration: .init(services: [web], gracefulShutdownSignals: [.sigterm], logger: logger))
/// try await group.run()
/// ```
///
/// The servers run on hub threads of the service's own (one per `threads`, sharing the
/// port through `SO_REUSEPORT`, as ``GreenMultiHubServer`` runs them), so the calling task
/// only waits.
public struct GreenServerService: Service {
    private let threads: Int
    private let port: Int
    private let shutdownTimeout: Duration
    private let makeServer: @Sendable (_ port: Int) throws -> any GreenServing
    private let onStarted: @Sendable (_ port: Int) -> Void
    private let logger: Logger

    /// Describes the service; nothing starts until a `ServiceGroup` runs it.
    ///
    /// - Parameters:
    ///   - threads: How many hub threads serve the port; 1 by default.
    ///   - port: The port; 0 lets the system pick one (`onStarted` receives it).
    ///   - shutdownTimeout: How long requests in progress may run on after a graceful
    ///     shutdown begins; their handlers are killed after it.
    ///   - logger: Where the service says it started and stopped, at `info`.
    ///   - onStarted: Called with the port once every server listens.
    ///   - makeServer: Runs on each hub thread and returns its server, listening on the
    ///     port it is given with `reusePort: true` when `threads` is above 1.
    public init(
        threads: Int = 1,
        port: Int = 0,
        shutdownTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "weave.services.server"),
        onStarted: @escaping @Sendable (_ port: Int) -> Void = { _ in },
        makeServer: @escaping @Sendable (_ port: Int) throws -> any GreenServing
    ) {
        self.threads = threads
        self.port = port
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        self.onStarted = onStarted
        self.makeServer = makeServer
    }

    /// Starts the servers, serves until a graceful shutdown or cancellation, then stops
    /// them (at once when cancelled).
    ///
    /// - Throws: What starting the servers throws: a port in use, a bad argument, no
    ///   thread to be had.
    public func run() async throws {
        let controller = try Hub.startThread()
        let (threads, port, makeServer) = (threads, port, makeServer)
        let server = try await controller.run { () -> NIOLoopBound<GreenMultiHubServer> in
            NIOLoopBound(try GreenMultiHubServer.start(threads: threads, port: port, makeServer), eventLoop: Hub.current.eventLoop)
        }
        let chosenPort = try await controller.run { server.value.port }
        logger.info("serving", metadata: ["port": "\(chosenPort)", "threads": "\(threads)"])
        onStarted(chosenPort)
        let graceful = await awaitShutdown()
        let timeout = graceful ? shutdownTimeout.weaveSeconds : 0
        try await controller.run { try server.value.stop(timeout: timeout) }
        logger.info("stopped", metadata: ["port": "\(chosenPort)", "graceful": "\(graceful)"])
    }
}
