import Foundation

/// A private PostgreSQL for the `distributed` suite, as the tests start theirs: `initdb` in
/// a temporary directory, the server on a Unix socket there (no TCP), run as the `postgres`
/// user under root (the server refuses root), stopped and removed by `stop()`.
final class BenchPostgres {
    let directory: String
    let port = 5432
    private let binaries: String

    /// Makes the cluster and starts the server.
    /// - Throws: `BenchmarkError.workloadFailed` when PostgreSQL is not installed (Debian's
    ///   `postgresql`; scripts/install-test-deps.sh installs it) or a command fails.
    init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw BenchmarkError.workloadFailed(
                "distributed", "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin); run scripts/install-test-deps.sh")
        }
        binaries = "/usr/lib/postgresql/\(newest)/bin"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("weave-bench-postgres-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            if getuid() == 0 {
                try Self.run(["/bin/chown", "postgres:postgres", directory])
            }
            try runAsServerUser(["\(binaries)/initdb", "-D", "\(directory)/data", "-U", "postgres", "--auth=trust", "--no-sync"])
            try runAsServerUser([
                "\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/log", "-w", "-t", "60",
                "-o", "-k \(directory) -c listen_addresses= -p \(port) -c fsync=off", "start",
            ])
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops the server at once and removes its directory.
    func stop() {
        try? runAsServerUser(["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func runAsServerUser(_ arguments: [String]) throws {
        try Self.run(getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments)
    }

    /// Runs a command with its output discarded (pg_ctl leaves the server behind holding
    /// whatever it inherited) and waits for it (`posix_spawn`, `waitpid`: Foundation's
    /// `Process` waits for a signal that a program reaping its own children may take).
    private static func run(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw BenchmarkError.workloadFailed("distributed", "\(arguments[0]) did not start (errno \(spawned))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw BenchmarkError.workloadFailed(
                "distributed", "\(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }
}
