/// How a ``ChildProcess`` comes to life: CPython's start methods, as interchangeable
/// strategies behind one small internal contract (`ProcessLauncher`).
///
/// - `fork` copies the running process (`fork()`): closures, captured values, shared
///   memory, locks and queues made before `start()` just work. It is the default on Linux.
///   Only the forking thread survives in the child; forking a multi-threaded process is
///   allowed but prints a one-time warning on standard error (see
///   `Multiprocessing.warnsOnMultithreadedFork`), because a lock another thread held at the
///   fork stays locked for ever in the child.
/// - `spawn` starts the program afresh (`posix_spawn` of `/proc/self/exe`, or of
///   `CommandLine.arguments[0]` on macOS) and runs a registered ``SpawnEntryPoint`` with
///   `Codable` arguments. It is safe in multi-threaded parents and is the default on macOS.
///   The program must call `Multiprocessing.bootstrapIfChild()` at the top of `main`.
public struct StartMethod: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable { case fork, spawn }

    let kind: Kind
    /// The program a spawned child runs; nil means this program.
    let executable: String?
    /// The command-line arguments a spawned child gets; nil means this program's own.
    let arguments: [String]?

    /// Copy the running process with `fork()`.
    public static let fork = StartMethod(kind: .fork, executable: nil, arguments: nil)

    /// Re-execute this program with its own arguments and run a registered entry point.
    public static let spawn = StartMethod(kind: .spawn, executable: nil, arguments: nil)

    /// Re-execute `executable` (default: this program) with `arguments` (default: this
    /// program's own) and run a registered entry point. The program must reach
    /// `Multiprocessing.bootstrapIfChild()` with those arguments; test runners use this to
    /// route the child to the test that bootstraps.
    public static func spawn(executable: String? = nil, arguments: [String]? = nil) -> StartMethod {
        StartMethod(kind: .spawn, executable: executable, arguments: arguments)
    }

    /// The platform's default: `fork` on Linux, `spawn` on macOS (where a forked child may
    /// not use most system frameworks).
    public static var platformDefault: StartMethod {
        #if os(Linux)
        .fork
        #else
        .spawn
        #endif
    }

    public var description: String { kind == .fork ? "fork" : "spawn" }

    var launcher: any ProcessLauncher {
        switch kind {
        case .fork: ForkLauncher()
        case .spawn: SpawnLauncher(executable: executable, arguments: arguments)
        }
    }
}

/// What a launcher needs to start one child.
struct LaunchRequest {
    /// The child's name.
    var name: String
    /// Whether the child dies with its parent.
    var isDaemon: Bool
    /// The work the child does.
    var work: ChildProcess.Work
}

/// The contract every start method fills in (CPython's `popen_*` modules): start the child
/// described by `request` and return its pid. Waiting, signalling and reaping are common
/// to all start methods and live in ``ChildProcess``.
protocol ProcessLauncher {
    func launch(_ request: LaunchRequest) throws -> Int32
}
