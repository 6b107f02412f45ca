#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `spawn` start method: `posix_spawn` of this program with the environment variable
/// `WEAVE_SPAWN_FD` naming an inherited socket that carries the `SpawnStartup` message.
/// The descriptors of the shared objects among the arguments are inherited too, at the
/// same numbers; every other descriptor of the parent is close-on-exec.
struct SpawnLauncher: ProcessLauncher {
    /// The environment variable that marks a spawned child.
    static let descriptorVariable = "WEAVE_SPAWN_FD"

    var executable: String?
    var arguments: [String]?

    func launch(_ request: LaunchRequest) throws -> Int32 {
        guard case .entryPoint(let entryName, let encodeArguments, _) = request.work else {
            throw MultiprocessingError(
                .invalidArgument,
                context: "a closure cannot cross exec: use StartMethod.fork, or a SpawnEntryPoint with spawn")
        }
        let parent = Multiprocessing.currentProcess
        let transfer = DescriptorTransfer()
        let encodedArguments = try DescriptorTransfer.$current.withValue(transfer) { try encodeArguments() }
        let startup = SpawnStartup(
            entryPoint: entryName, name: request.name, isDaemon: request.isDaemon,
            parentName: parent.name, parentPid: parent.pid, arguments: encodedArguments,
            descriptors: transfer.descriptors)
        let message = startup.encoded()
        let (parentEnd, childEnd) = try Syscalls.makeSocketPair()
        defer { Syscalls.closeDescriptor(parentEnd) }
        let pid: Int32
        do {
            let environment = Syscalls.environment().filter { !$0.hasPrefix(Self.descriptorVariable + "=") }
                + ["\(Self.descriptorVariable)=\(childEnd)"]
            pid = try Syscalls.spawnProgram(
                executable ?? Self.currentExecutable,
                arguments: arguments ?? Array(CommandLine.arguments.dropFirst()),
                environment: environment,
                inherited: [childEnd] + transfer.descriptors)
        } catch {
            Syscalls.closeDescriptor(childEnd)
            throw error
        }
        Syscalls.closeDescriptor(childEnd)
        // A child that dies before reading gives EPIPE here; its exit code tells the story.
        _ = try? FrameIO.writeAll(parentEnd, message, useSend: true)
        return pid
    }

    static var currentExecutable: String {
        #if os(Linux)
        "/proc/self/exe"
        #else
        CommandLine.arguments[0]
        #endif
    }
}
