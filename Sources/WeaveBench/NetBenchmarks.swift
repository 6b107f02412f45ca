import GreenHub
import GreenNet

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `weave bench net`: TCP echo over green sockets, an HTTP crawl, and idle connections.
enum NetBenchmarks {
    static func run() throws -> [BenchmarkResult] {
        try raiseFileLimit()
        // First, so that the process's peak RSS is this workload's.
        let idle = try idleConnections(count: 10_000)
        return [
            BenchmarkResult(name: "echo_pingpong", value: try echoPingPong(roundTrips: 50_000), unit: .operationsPerSecond),
            BenchmarkResult(
                name: "echo_100conn", value: try echoConnections(100, roundTripsEach: 1_000), unit: .operationsPerSecond),
            BenchmarkResult(name: "crawl_1000", value: try crawl(count: 1_000, delay: 0.1), unit: .seconds),
            BenchmarkResult(name: "idle_10k_rss", value: idle, unit: .megabytes),
        ]
    }

    /// A server that echoes whatever it receives.
    static func echoServer() throws -> GreenStreamServer {
        let server = try GreenStreamServer(handler: NetServers.echo)
        server.start()
        return server
    }

    /// One connection, 64-byte messages, client and server green on one hub: round trips/s.
    static func echoPingPong(roundTrips: Int) throws -> Double {
        let server = try echoServer()
        defer { try? server.stop() }
        let connection = try GreenStream.connect(host: "127.0.0.1", port: server.port)
        defer { connection.close() }
        let message = [UInt8](repeating: 42, count: 64)
        var best = 0.0
        for _ in 0..<3 {
            let elapsed = try BenchmarkClock.measure {
                for _ in 0..<roundTrips {
                    try connection.send(message)
                    _ = try connection.receive(exactly: 64)
                }
            }
            best = max(best, Double(roundTrips) / (elapsed / 1e9))
        }
        return best
    }

    /// `count` connections ping-ponging 64-byte messages at once on one hub: round trips/s.
    static func echoConnections(_ count: Int, roundTripsEach: Int) throws -> Double {
        let server = try echoServer()
        defer { try? server.stop() }
        let connections = try (0..<count).map { _ in
            try GreenStream.connect(host: "127.0.0.1", port: server.port)
        }
        defer { connections.forEach { $0.close() } }
        let message = [UInt8](repeating: 7, count: 64)
        let elapsed = try BenchmarkClock.measure {
            let clients = connections.map { connection in
                Green.spawn {
                    for _ in 0..<roundTripsEach {
                        try connection.send(message)
                        _ = try connection.receive(exactly: 64)
                    }
                }
            }
            try Green.joinAll(clients, raiseError: true)
        }
        return Double(count * roundTripsEach) / (elapsed / 1e9)
    }

    /// `count` concurrent GETs against a local server answering after `delay`: wall seconds.
    /// The server runs on a hub thread of its own, as a server elsewhere would: the figure
    /// is the crawling hub's.
    static func crawl(count: Int, delay: Double) throws -> Double {
        let server = try GreenMultiHubServer.start(threads: 1) { port in
            try GreenHTTPServer(port: port, reusePort: true) { _ in
                try Green.sleep(delay)
                return GreenHTTPResponse(text: "page\n")
            }
        }
        defer { try? server.stop() }
        var configuration = GreenHTTPClient.Configuration()
        configuration.maxConnectionsPerHost = count
        let client = try GreenHTTPClient(configuration: configuration)
        defer { try? client.close() }
        let url = "http://127.0.0.1:\(server.port)/"
        let elapsed = try BenchmarkClock.measure {
            let fetches = (0..<count).map { _ in Green.spawn { _ = try client.get(url) } }
            try Green.joinAll(fetches, raiseError: true)
        }
        return elapsed / 1e9
    }

    /// `count` open, idle connections, each with a server green thread waiting to read a
    /// line: the server process's peak resident set size, in megabytes. The client
    /// sockets live in a forked child (plain blocking sockets, nothing green), so the
    /// figure is the server's alone and each process needs only `count` descriptors.
    static func idleConnections(count: Int) throws -> Double {
        let listener = try GreenStreamListener.listen(backlog: 4096)
        let server = try GreenStreamServer(listener: listener) { connection in
            _ = try connection.readLine()
        }
        server.start()
        defer { try? server.stop(timeout: 0) }
        var release: [Int32] = [0, 0]
        guard pipe(&release) == 0 else {
            throw BenchmarkError.workloadFailed("idle_10k_rss", "pipe() failed: errno \(errno)")
        }
        let child = fork()
        if child == 0 {
            close(release[1])
            holdConnections(count, port: UInt16(server.port), until: release[0])
        }
        close(release[0])
        defer {
            close(release[1])
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        guard child > 0 else {
            throw BenchmarkError.workloadFailed("idle_10k_rss", "fork() failed: errno \(errno)")
        }
        let start = BenchmarkClock.now()
        while server.activeConnections < count {
            guard BenchmarkClock.now() - start < 120_000_000_000 else {
                throw BenchmarkError.workloadFailed("idle_10k_rss", "only \(server.activeConnections) of \(count) connections came")
            }
            try Green.sleep(0.01)
        }
        return BenchmarkClock.peakResidentMegabytes()
    }

    /// In the forked child: opens `count` blocking connections to the port on loopback,
    /// keeps them until `release` reads end-of-file, then exits. Only async-signal-safe
    /// calls, no allocation: the child of a threaded process must not take a lock.
    private static func holdConnections(_ count: Int, port: UInt16, until release: Int32) -> Never {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        for _ in 0..<count {
            #if canImport(Glibc)
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let socketFD = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if socketFD < 0 || connected != 0 { _exit(1) }
        }
        var byte: UInt8 = 0
        while read(release, &byte, 1) > 0 {}
        _exit(0)
    }

    /// Raises the limit on open files (`ulimit -n`), since the workloads hold tens of
    /// thousands of sockets: to 65,536 where allowed (root may raise the hard limit),
    /// otherwise to the hard limit.
    static func raiseFileLimit() throws {
        let wanted: rlim_t = 65_536
        var limit = rlimit()
        guard getrlimit(resourceNoFile, &limit) == 0 else { return }
        if limit.rlim_cur < wanted {
            var raised = rlimit(rlim_cur: wanted, rlim_max: max(limit.rlim_max, wanted))
            if setrlimit(resourceNoFile, &raised) != 0 {
                raised = rlimit(rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max)
                _ = setrlimit(resourceNoFile, &raised)
            }
            _ = getrlimit(resourceNoFile, &limit)
        }
        guard limit.rlim_cur >= 10_500 else {
            throw BenchmarkError.workloadFailed(
                "idle_10k_rss", "the open-file limit is \(limit.rlim_cur); raise the hard limit (ulimit -Hn) to 10500 or more")
        }
    }

    #if canImport(Glibc)
    private static let resourceNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNoFile = RLIMIT_NOFILE
    #endif
}
