#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command a test runs to set up a real service (initdb, pg_ctl), with its output.
public enum TestCommand {
    /// A command that failed, with what it printed.
    public struct Failure: Error, CustomStringConvertible {
        /// The command line.
        public var command: [String]
        /// Its exit status, or -1 when it could not start or was killed by a signal.
        public var status: Int32
        /// What it wrote to standard output and standard error.
        public var output: String

        /// The command line, its status and its output.
        public var description: String {
            "\(command.joined(separator: " ")) failed with status \(status): \(output)"
        }
    }

    /// Runs `arguments` (the first is an absolute path or a name looked up on PATH), waits
    /// for it, and returns what it printed on standard output and standard error.
    /// - Throws: `Failure` when it cannot start or exits other than 0.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(command: arguments, status: -1, output: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        // Only the copies on 1 and 2 reach the command, so the output ends when the command
        // does, even if it leaves a daemon behind (pg_ctl start does, logging elsewhere).
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, cArguments, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw Failure(command: arguments, status: -1, output: String(cString: strerror(spawned)))
        }
        let output = drainAndClose(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: output, as: UTF8.self)
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
        guard exitStatus == 0 else { throw Failure(command: arguments, status: exitStatus, output: text) }
        return text
    }
}
