import GreenHub
import NIOCore
import WeaveDurations

/// One server on one port, run by several hubs — one thread and event loop each — so that
/// it uses several cores; the kernel spreads new connections among them (`SO_REUSEPORT`).
/// gevent has no counterpart (it runs one hub per process, so one forks workers, as
/// gunicorn does); this is the threaded equivalent of `gunicorn -k gevent -w N`.
///
/// ```swift
/// let server = try GreenMultiHubServer.start(threads: 2) { port in
///     try GreenHTTPServer(host: "0.0.0.0", port: port, reusePort: true) { _ in
///         GreenHTTPResponse(text: "hello\n")
///     }
/// }
/// print(server.port)
/// try server.stop(timeout: 5)
/// ```
///
/// Handlers run on the hub threads: what they share must be thread-safe. Start and stop
/// the group from green code on any hub.
public final class GreenMultiHubServer {
    private let members: [(remote: HubRemote, server: NIOLoopBound<any GreenServing>)]

    /// The port every hub listens on.
    public let port: Int

    private init(members: [(remote: HubRemote, server: NIOLoopBound<any GreenServing>)], port: Int) {
        self.members = members
        self.port = port
    }

    /// Starts `threads` hub threads, makes a server on each with `makeServer`, and starts
    /// them; suspends only the calling greenlet meanwhile.
    ///
    /// - Parameters:
    ///   - threads: How many hubs (threads); one per core is the usual choice.
    ///   - port: The port to serve; 0 lets the system pick one (read ``port``).
    ///   - makeServer: Runs on each hub's thread and returns its server, listening on the
    ///     port it is given with `reusePort: true`. The first call gets `port`, later ones
    ///     the port the first server got.
    /// - Throws: `GreenNetError.invalidArgument` for fewer than one thread; what
    ///   `makeServer` throws (the servers started so far are then stopped).
    public static func start(
        threads: Int,
        port: Int = 0,
        _ makeServer: @escaping @Sendable (_ port: Int) throws -> any GreenServing
    ) throws -> GreenMultiHubServer {
        guard threads >= 1 else {
            throw GreenNetError(.invalidArgument, "a multi-hub server needs 1 or more threads, not \(threads)")
        }
        try GreenAddress.check(port: port, allowZero: true)
        var members: [(remote: HubRemote, server: NIOLoopBound<any GreenServing>)] = []
        var chosenPort = port
        do {
            for _ in 0..<threads {
                let remote = try Hub.startThread()
                let portToBind = chosenPort
                let server = try Green.await {
                    try await remote.run { () -> NIOLoopBound<any GreenServing> in
                        let server = try makeServer(portToBind)
                        server.start()
                        return NIOLoopBound(server, eventLoop: Hub.current.eventLoop)
                    }
                }
                members.append((remote, server))
                if chosenPort == 0 {
                    chosenPort = try Green.await { try await remote.run { server.value.port } }
                }
            }
        } catch {
            try? GreenMultiHubServer(members: members, port: chosenPort).stop(timeout: 0)
            throw error
        }
        return GreenMultiHubServer(members: members, port: chosenPort)
    }

    /// Stops every hub's server gracefully (see ``GreenServing/stop(timeout:)``), each
    /// given `timeout` seconds, at the same time; the hub threads then end.
    ///
    /// Call from green code on any hub.
    @DurationOverload
    public func stop(timeout: Double = 1) throws {
        let stops = members.map { member in
            Green.spawn {
                try Green.await { try await member.remote.run { try member.server.value.stop(timeout: timeout) } }
            }
        }
        try Green.joinAll(stops, raiseError: true)
    }
}
