import CWeaveProcess
import GreenHub
import NIOCore
import NIOPosix
import WeaveDurations

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An external command run from green code — `gevent.subprocess.Popen`.
///
/// Its standard input, output and error can be pipes, each a ``GreenStream``: reading and
/// writing them, and waiting for the command to end, suspend only the calling greenlet.
///
/// ```swift
/// let result = try GreenSubprocess.run(["sort"], input: Array("b\na\n".utf8))
/// print(result.status, String(decoding: result.output, as: UTF8.self))   // 0 "a\nb\n"
/// ```
///
/// A subprocess belongs to the hub of the thread that started it: make every call on that
/// thread.
public final class GreenSubprocess {
    /// Where one of the command's standard streams goes.
    public enum Redirect: Sendable {
        /// Shares this process's stream (the default) — `None`.
        case inherit
        /// A pipe this process reads or writes through a ``GreenStream`` — `subprocess.PIPE`.
        case pipe
        /// `/dev/null` — `subprocess.DEVNULL`.
        case discard
    }

    /// The command's process id — `pid`.
    public let pid: Int32
    /// The write end of the command's standard input, with `stdin: .pipe` — `stdin`.
    public let standardInput: GreenStream?
    /// The read end of its standard output, with `stdout: .pipe` — `stdout`.
    public let standardOutput: GreenStream?
    /// The read end of its standard error, with `stderr: .pipe` — `stderr`.
    public let standardError: GreenStream?
    private var status: Int32?

    /// The exit status once the command has ended and been waited for, else `nil` —
    /// `returncode`: the exit code, or minus the signal that ended it.
    public var exitStatus: Int32? { status }

    /// Starts `arguments[0]` (looked up in `PATH`) with the rest as its arguments —
    /// `Popen(args, cwd=..., env=..., stdin=..., stdout=..., stderr=...)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - arguments: The command and its arguments; not empty.
    ///   - directory: The command's working directory — `cwd=`; `nil` keeps this
    ///     process's. The command changes into it before it starts (`posix_spawn`'s
    ///     `posix_spawn_file_actions_addchdir_np`), so a relative command path such as
    ///     `./tool` is looked up there, as with Python's `cwd=` on POSIX.
    ///   - environment: The command's environment, `NAME=value` each — `env=`; `nil` passes
    ///     this process's.
    ///   - stdin: Where its standard input comes from.
    ///   - stdout: Where its standard output goes.
    ///   - stderr: Where its standard error goes.
    /// - Throws: `GreenNetError.subprocessFailed` if it cannot be started (no such command,
    ///   or `directory` is missing or not a directory); `.invalidArgument` for empty
    ///   arguments or an empty `directory`. Nothing is left running or open then.
    public init(
        _ arguments: [String],
        directory: String? = nil,
        environment: [String]? = nil,
        stdin: Redirect = .inherit,
        stdout: Redirect = .inherit,
        stderr: Redirect = .inherit
    ) throws {
        guard let command = arguments.first, !command.isEmpty else {
            throw GreenNetError(.invalidArgument, "a subprocess needs a command: pass its name or path as the first argument")
        }
        if let directory {
            try Self.checkDirectory(directory)
        }
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            childEnds.forEach { _ = close($0) }
        }
        var pipes: [Int32: Int32] = [:]
        do {
            if let directory {
                let failure = weave_process_spawn_add_chdir(&actions, directory)
                guard failure == 0 else {
                    throw GreenNetError(.subprocessFailed, "could not prepare the change to \(directory.debugDescription): \(String(cString: strerror(failure)))")
                }
            }
            for (target, redirect) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
                switch redirect {
                case .inherit:
                    continue
                case .discard:
                    posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                case .pipe:
                    var ends: [Int32] = [0, 0]
                    guard pipe(&ends) == 0 else {
                        throw GreenNetError(.subprocessFailed, "could not make a pipe: \(String(cString: strerror(errno))); the process may be out of file descriptors")
                    }
                    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                    let (childEnd, parentEnd) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                    childEnds.append(childEnd)
                    parentEnds.append(parentEnd)
                    pipes[target] = parentEnd
                    posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                }
            }
            pid = try Self.spawn(arguments, directory: directory, environment: environment, actions: &actions)
        } catch {
            parentEnds.forEach { _ = close($0) }
            throw error
        }
        // The command runs now: if its pipes cannot become streams, it is stopped and
        // reaped, and every end is closed, rather than left behind.
        var streams: [GreenStream] = []
        do {
            for (target, end) in pipes.sorted(by: { $0.key < $1.key }) {
                streams.append(try target == 0 ? Self.stream(writing: end) : Self.stream(reading: end))
                pipes[target] = nil
            }
        } catch {
            streams.forEach { $0.close() }
            pipes.values.forEach { _ = close($0) }
            _ = kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            throw error
        }
        var next = streams.makeIterator()
        standardInput = stdin == .pipe ? next.next() : nil
        standardOutput = stdout == .pipe ? next.next() : nil
        standardError = stderr == .pipe ? next.next() : nil
    }

    /// Throws a clear error when `directory` cannot be a working directory, before anything
    /// is spawned or opened.
    private static func checkDirectory(_ directory: String) throws {
        guard !directory.isEmpty else {
            throw GreenNetError(.invalidArgument, "the working directory is empty; pass a directory's path, or nil to keep this process's")
        }
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw GreenNetError(.subprocessFailed, "the working directory \(directory.debugDescription) cannot be used: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw GreenNetError(.subprocessFailed, "the working directory \(directory.debugDescription) is not a directory")
        }
    }

    private static func spawn(
        _ arguments: [String],
        directory: String?,
        environment: [String]?,
        actions: inout posix_spawn_file_actions_t
    ) throws -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result: Int32
        if var envp {
            result = envp.withUnsafeMutableBufferPointer { posix_spawnp(&pid, arguments[0], &actions, nil, argv, $0.baseAddress) }
        } else {
            result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        }
        guard result == 0 else {
            let place = directory.map { " in \($0.debugDescription)" } ?? ""
            throw GreenNetError(.subprocessFailed, "could not start \(arguments[0].debugDescription)\(place): \(String(cString: strerror(result))); check the command's name and PATH, and that the directory can be entered")
        }
        return pid
    }

    private static func stream(reading descriptor: Int32) throws -> GreenStream {
        try stream(NIOPipeBootstrap(group: Hub.current.eventLoop).channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(GreenStreamHandler()) }
            }
            .takingOwnershipOfDescriptor(input: descriptor))
    }

    private static func stream(writing descriptor: Int32) throws -> GreenStream {
        try stream(NIOPipeBootstrap(group: Hub.current.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(GreenStreamHandler()) }
            }
            .takingOwnershipOfDescriptor(output: descriptor))
    }

    private static func stream(_ future: EventLoopFuture<any Channel>) throws -> GreenStream {
        let channel = try future.greenWait(until: GreenDeadline(nil))
        return GreenStream(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: GreenStreamHandler.self))
    }

    // MARK: Waiting and signals

    /// Waits in the calling greenlet until the command ends — `wait(timeout)`.
    ///
    /// The hub checks on the command with `waitpid(WNOHANG)` at short, growing intervals
    /// (1 ms up to 50 ms); no thread blocks.
    /// - Returns: The exit status: the exit code, or minus the signal that ended it.
    /// - Throws: ``/GreenHub/GreenTimeoutError`` if it runs longer than `timeout` seconds (it keeps
    ///   running); an error raised in the calling greenlet meanwhile.
    @DurationOverload
    @discardableResult
    public func wait(timeout: Double? = nil) throws -> Int32 {
        let deadline = try GreenDeadline(timeout)
        var interval = 0.001
        while true {
            if let status = try poll() { return status }
            if let left = try deadline.remaining() {
                try Green.sleep(min(interval, left))
            } else {
                try Green.sleep(interval)
            }
            interval = min(interval * 2, 0.05)
        }
    }

    /// The exit status if the command has ended, without waiting — `poll()`.
    ///
    /// - Throws: `GreenNetError.subprocessFailed` if the process cannot be waited for
    ///   (something else reaped it).
    public func poll() throws -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == 0 { return nil }
        guard result == pid else {
            if errno == EINTR { return nil }
            throw GreenNetError(.subprocessFailed, "could not wait for process \(pid): \(String(cString: strerror(errno))); was it reaped elsewhere?")
        }
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : -signal
        return status
    }

    /// Sends `signal` to the command — `send_signal(sig)`; `terminate()` is `SIGTERM`,
    /// `kill()` is `SIGKILL`. Does nothing once it has been waited for.
    public func send(signal: Int32) {
        guard status == nil else { return }
        _ = kill(pid, signal)
    }

    // MARK: Whole runs

    /// Feeds `input` to the command's standard input, reads its standard output and error
    /// until they close, and waits for it to end — `communicate(input, timeout)`. Reading
    /// both pipes at once (each in its own green thread) keeps a chatty command from
    /// blocking on a full pipe.
    ///
    /// - Returns: What it wrote to its standard output and error (empty for streams that
    ///   are not pipes).
    /// - Throws: ``/GreenHub/GreenTimeoutError`` after `timeout` seconds (kill it then with
    ///   `send(signal: SIGKILL)`); ``GreenNetError`` if a pipe fails.
    @DurationOverload
    public func communicate(input: [UInt8]? = nil, timeout: Double? = nil) throws -> (output: [UInt8], error: [UInt8]) {
        guard let timeout else { return try exchange(input) }
        return try Green.withTimeout(timeout) { try exchange(input) }
    }

    private func exchange(_ input: [UInt8]?) throws -> (output: [UInt8], error: [UInt8]) {
        let writer = standardInput.map { stream in
            Green.spawn {
                if let input, !input.isEmpty {
                    try stream.send(input)
                }
                stream.close()
            }
        }
        let errorReader = standardError.map { stream in Green.spawn { try Self.readAll(stream) } }
        let output = try standardOutput.map(Self.readAll) ?? []
        let error = try errorReader?.get() ?? []
        try writer?.get()
        try wait()
        return (output, error)
    }

    /// Runs a command to its end, capturing its output —
    /// `subprocess.run(args, input=..., capture_output=True, timeout=...)`.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - arguments: The command and its arguments; not empty.
    ///   - directory: The command's working directory — `cwd=`; `nil` keeps this process's.
    ///   - environment: The command's environment, `NAME=value` each — `env=`; `nil`
    ///     passes this process's.
    ///   - input: Bytes for its standard input; `nil` gives it `/dev/null`.
    ///   - timeout: Seconds it may run.
    /// - Returns: The exit status (see ``exitStatus``), standard output and standard error.
    /// - Throws: As ``init(_:directory:environment:stdin:stdout:stderr:)`` and
    ///   ``communicate(input:timeout:)-(_,Double?)``; on a timeout the command is killed first.
    @DurationOverload
    public static func run(
        _ arguments: [String],
        directory: String? = nil,
        environment: [String]? = nil,
        input: [UInt8]? = nil,
        timeout: Double? = nil
    ) throws -> (status: Int32, output: [UInt8], error: [UInt8]) {
        let process = try GreenSubprocess(
            arguments, directory: directory, environment: environment,
            stdin: input == nil ? .discard : .pipe, stdout: .pipe, stderr: .pipe)
        do {
            let (output, error) = try process.communicate(input: input, timeout: timeout)
            return (process.exitStatus ?? 0, output, error)
        } catch {
            process.send(signal: SIGKILL)
            _ = try? process.wait()
            throw error
        }
    }

    private static func readAll(_ stream: GreenStream) throws -> [UInt8] {
        defer { stream.close() }
        var bytes: [UInt8] = []
        while true {
            let chunk = try stream.receive(upTo: 65536)
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
    }
}
