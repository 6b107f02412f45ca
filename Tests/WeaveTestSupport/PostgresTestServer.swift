#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL server for tests: a cluster made with `initdb` in a temporary
/// directory, listening only on a Unix socket in that directory, stopped and removed by
/// ``stop()`` (or when the value goes away).
///
/// The server refuses to run as root, so under root the cluster belongs to the `postgres`
/// user and every server command runs as that user (`runuser`). Debian's `postgresql`
/// package provides the binaries (`scripts/install-test-deps.sh` installs it).
///
/// ```swift
/// let server = try PostgresTestServer()
/// defer { server.stop() }
/// let connection = PQconnectdb(server.connectionString)
/// ```
public final class PostgresTestServer {
    /// Why a server could not start.
    public enum SetupError: Error, CustomStringConvertible {
        /// No `initdb` under /usr/lib/postgresql/*/bin: install Debian's `postgresql`
        /// (scripts/install-test-deps.sh does).
        case notInstalled
        /// Running as root, but there is no `postgres` user to run the server as.
        case noServerUser

        /// What is missing and how to install it.
        public var description: String {
            switch self {
            case .notInstalled:
                return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/install-test-deps.sh"
            case .noServerUser:
                return "running as root without a postgres user to run the server as; install Debian's postgresql package"
            }
        }
    }

    /// The directory holding the cluster (`data`), the log and the server's socket.
    public let directory: String
    /// The port number in the socket's name (`.s.PGSQL.<port>`); nothing listens on TCP.
    public let port: Int
    private let binaries: String
    private var running = false

    /// A libpq connection string for the `postgres` database as the `postgres` user.
    public var connectionString: String {
        "host=\(directory) port=\(port) user=postgres dbname=postgres"
    }

    /// The newest installed server's bin directory, or `nil` when none is installed.
    public static var installedBinaries: String? {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob("/usr/lib/postgresql/*/bin/initdb", 0, nil, &matches) == 0 else { return nil }
        let paths = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
        let newest = paths.max { version(of: $0) < version(of: $1) }
        return newest.map { String($0.dropLast("/initdb".count)) }
    }

    private static func version(of path: String) -> Int {
        Int(path.split(separator: "/").dropFirst(3).first ?? "") ?? 0
    }

    /// Makes a cluster and starts its server; returns when it accepts connections.
    /// - Throws: ``SetupError`` when PostgreSQL or its user is missing (a test skips), or
    ///   `TestCommand.Failure` when initdb or the server fails.
    public init(port: Int = 5432) throws {
        guard let binaries = Self.installedBinaries else { throw SetupError.notInstalled }
        var template = Array("/tmp/weave-postgres-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestCommand.Failure(command: ["mkdtemp"], status: -1, output: "") }
        self.directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.binaries = binaries
        self.port = port
        do {
            if getuid() == 0 {
                guard let user = getpwnam("postgres") else { throw SetupError.noServerUser }
                chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
            }
            try runAsServerUser(["\(binaries)/initdb", "-D", "\(directory)/data", "-U", "postgres", "--auth=trust", "--no-sync"])
            try startServer()
        } catch {
            removeDirectory()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`), waits
    /// `downtime` seconds and starts it again on the same cluster; returns once it accepts
    /// connections. Clients see their connections drop, then the same database come back.
    public func restart(downtime: Double = 0) throws {
        try runAsServerUser(["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        running = false
        if downtime > 0 { usleep(useconds_t(downtime * 1_000_000)) }
        try startServer()
    }

    private func startServer() throws {
        try runAsServerUser([
            "\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/log", "-w", "-t", "60",
            "-o", "-k \(directory) -c listen_addresses= -p \(port) -c fsync=off", "start",
        ])
        running = true
    }

    /// Stops the server at once and removes the cluster's directory. Safe to call twice.
    public func stop() {
        if running {
            running = false
            _ = try? runAsServerUser(["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        }
        removeDirectory()
    }

    private func removeDirectory() {
        _ = try? TestCommand.run(["rm", "-rf", directory])
    }

    private func runAsServerUser(_ arguments: [String]) throws {
        if getuid() == 0 {
            try TestCommand.run(["runuser", "-u", "postgres", "--"] + arguments)
        } else {
            try TestCommand.run(arguments)
        }
    }
}
