import Foundation
import NIOSSL
import PostgresNIO
import WeaveDurations

/// Where the database is and how tasks are leased, retried and polled: what a
/// ``DistributedPool`` and a ``DistributedWorker`` share.
///
/// ```swift
/// var configuration = try DistributedConfiguration(url: "postgres://weave:secret@db.internal/jobs?sslmode=require")
/// configuration.lease = .seconds(5)
/// ```
///
/// Every duration has a `Double`-seconds twin (`leaseSeconds` beside `lease`). A value may
/// be made and changed on any thread; pools and workers copy it.
public struct DistributedConfiguration: Sendable {
    /// How the connection to PostgreSQL is encrypted.
    public enum TLSMode: Sendable {
        /// Plain TCP (or a Unix socket): for a database on the same host or a private
        /// network you trust.
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's `sslmode=prefer`).
        case prefer(TLSConfiguration)
        /// TLS or no connection (libpq's `sslmode=require`, or `verify-full` with a
        /// configuration that verifies the server's certificate, as
        /// `TLSConfiguration.makeClientConfiguration()` does by default).
        case require(TLSConfiguration)
    }

    /// The server's host name or address, for TCP; nil with a Unix socket.
    public var host: String?
    /// The server's port (5432 by default); with a Unix socket, the number in its name.
    public var port: Int
    /// The server's Unix socket (`<directory>/.s.PGSQL.<port>`), instead of TCP.
    public var unixSocketPath: String?
    /// The database user.
    public var username: String
    /// The user's password, if the server asks for one.
    public var password: String?
    /// The database; by default the user's name, as libpq chooses.
    public var database: String?
    /// How the connection is encrypted; `.disable` by default, `.require` for `sslmode=require`.
    public var tls: TLSMode
    /// The queue: pools submit to it and workers claim from it. Several queues share one
    /// database and its tables; `default` by default.
    public var queue = "default"
    /// How long a claimed task stays a worker's without a heartbeat. A worker that dies
    /// loses its tasks to the others this long after its last heartbeat (plus one reaper
    /// round). 3 s by default.
    @DurationOverload
    public var lease: Duration = .seconds(3)
    /// How often a worker renews its leases and looks for expired ones; well under
    /// ``lease``. 0.5 s by default.
    @DurationOverload
    public var heartbeatInterval: Duration = .milliseconds(500)
    /// How often workers and pools look at the tables when no notification came, and the
    /// first wait before reconnecting to a database that went away. 1 s by default.
    @DurationOverload
    public var pollInterval: Duration = .seconds(1)
    /// The wait before a failed task's first retry; each further retry waits twice as long.
    /// 0.1 s by default.
    @DurationOverload
    public var retryBackoff: Duration = .milliseconds(100)
    /// How many times a task may be claimed before its failure is final. 3 by default.
    public var maxAttempts = 3
    /// The most tasks a worker claims in one statement (and a pool inserts in one).
    /// 512 by default.
    public var batchSize = 512

    /// A configuration for a server on `host:port` over TCP.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String? = nil,
                tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// A configuration for a server listening on the Unix socket in `socketDirectory`
    /// (`<socketDirectory>/.s.PGSQL.<port>`), as libpq's `host=/directory`.
    public init(socketDirectory: String, port: Int = 5432, username: String, password: String? = nil,
                database: String? = nil) {
        self.port = port
        self.unixSocketPath = "\(socketDirectory)/.s.PGSQL.\(port)"
        self.username = username
        self.password = password
        self.database = database
        self.tls = .disable
    }

    /// A configuration from a libpq-style URL:
    /// `postgres://user:password@host:port/database?sslmode=require`.
    ///
    /// `sslmode` may be `disable` (the default), `prefer`, `require` (TLS, the server's
    /// certificate not checked, as libpq's `require`) or `verify-full` (TLS, the
    /// certificate checked against the system's roots and the host name). A `host`
    /// parameter naming a directory selects the Unix socket there
    /// (`postgres://postgres@/jobs?host=/var/run/postgresql`). User and password may be
    /// percent-encoded.
    /// - Throws: ``DistributedError`` with code `invalidConfiguration` for another scheme,
    ///   no user, a bad port or an unknown `sslmode`.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw DistributedError(.invalidConfiguration, "\(url) is not a postgres:// or postgresql:// URL")
        }
        guard let user = components.user, !user.isEmpty else {
            throw DistributedError(.invalidConfiguration, "the URL names no user: write postgres://user@host/database")
        }
        let parameters = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? nil : path
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw DistributedError(.invalidConfiguration, "port \(port) in \(url) is out of range")
        }
        let socketHost = parameters["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        if let socketHost {
            self.init(socketDirectory: socketHost, port: port, username: user, password: components.password,
                      database: database)
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw DistributedError(.invalidConfiguration, "the URL names no host: write postgres://user@host/database")
            }
            self.init(host: host, port: port, username: user, password: components.password, database: database,
                      tls: try Self.tlsMode(parameters["sslmode"]))
        }
    }

    private static func tlsMode(_ sslmode: String?) throws -> TLSMode {
        switch sslmode {
        case nil, "disable": return .disable
        case "prefer", "allow": return .prefer(unverified)
        case "require": return .require(unverified)
        case "verify-full", "verify-ca": return .require(.makeClientConfiguration())
        case let other?:
            throw DistributedError(
                .invalidConfiguration, "sslmode \(other) is not one of disable, prefer, require, verify-full")
        }
    }

    private static var unverified: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    // MARK: Checking and connecting

    /// Throws when the settings cannot work together.
    func validated() throws -> Self {
        guard maxAttempts >= 1, batchSize >= 1 else {
            throw DistributedError(.invalidConfiguration, "maxAttempts and batchSize must be at least 1")
        }
        guard heartbeatInterval > .zero, pollInterval > .zero, retryBackoff >= .zero, lease > heartbeatInterval * 2 else {
            throw DistributedError(
                .invalidConfiguration,
                "the lease (\(lease)) must be more than twice the heartbeat interval (\(heartbeatInterval)), and intervals positive")
        }
        guard !queue.isEmpty else { throw DistributedError(.invalidConfiguration, "the queue's name is empty") }
        return self
    }

    /// postgres-nio's configuration for one connection.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let unixSocketPath {
            return .init(unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        }
        let postgresTLS: PostgresConnection.Configuration.TLS
        do {
            switch tls {
            case .disable: postgresTLS = .disable
            case .prefer(let settings): postgresTLS = .prefer(try NIOSSLContext(configuration: settings))
            case .require(let settings): postgresTLS = .require(try NIOSSLContext(configuration: settings))
            }
        } catch {
            throw DistributedError(.invalidConfiguration, "the TLS configuration does not load: \(error)")
        }
        return .init(host: host ?? "localhost", port: port, username: username, password: password, database: database,
                     tls: postgresTLS)
    }
}
