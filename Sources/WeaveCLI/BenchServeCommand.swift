import ArgumentParser
import WeaveBench

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `weave bench-serve echo|http [--port P] [--hubs N]`: one of the servers that
/// `bench/net-compare` loads. Not meant to be typed.
struct BenchServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-serve",
        abstract: "Serve a networking benchmark server until a signal ends it (used by bench/net-compare).",
        discussion: "Servers: " + NetServers.names.joined(separator: ", ")
            + ". Prints 'listening <port>' once connections are accepted.",
        shouldDisplay: false
    )

    @Argument(help: "The server to run.")
    var server: String

    @Option(help: "The port on 127.0.0.1; 0 lets the system pick one.")
    var port = 0

    @Option(help: "How many hubs (threads) serve.")
    var hubs = 1

    func validate() throws {
        guard NetServers.names.contains(server) else {
            throw ValidationError("No server '\(server)'. Servers: \(NetServers.names.joined(separator: ", "))")
        }
        guard hubs >= 1 else { throw ValidationError("--hubs must be 1 or more") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0...65535") }
    }

    func run() throws {
        try NetServers.serve(server, port: port, hubs: hubs) { port in
            print("listening \(port)")
            fflush(nil)
        }
    }
}
