#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Atomics
import CWeaveProcess
import Logging
import Synchronization

/// Module-level queries and settings (Python's `multiprocessing.current_process()`,
/// `parent_process()`, `active_children()`, `cpu_count()`), and the spawn bootstrap.
public enum Multiprocessing {
    // Written only by a freshly forked child (then single-threaded) or by `bootstrapIfChild()`
    // at the top of `main`; read freely afterwards.
    nonisolated(unsafe) private static var current = ProcessIdentity(name: "MainProcess", pid: Syscalls.processID())
    nonisolated(unsafe) private static var parent: ProcessIdentity? = nil
    // Replaced wholesale in a forked child, whose copy may have been locked by another thread.
    nonisolated(unsafe) static var registry = ChildRegistry()

    private static let forkWarningEnabled = ManagedAtomic<Bool>(true)
    private static let forkWarningPrinted = ManagedAtomic<Bool>(false)
    /// Threads of this process that only wait: a fork child's forking thread, parked while
    /// a fresh thread runs the child's work (see `ForkLauncher`). They hold no lock.
    private static let idleForkingThreads = ManagedAtomic<Int>(0)
    private static let exitHandlerInstalledBy = ManagedAtomic<Int32>(0)

    /// This process: `MainProcess` for the program itself, or the child's name and pid.
    public static var currentProcess: ProcessIdentity { current }

    /// The process that started this one, or nil in the main process.
    public static var parentProcess: ProcessIdentity? { parent }

    /// The children of this process that still run. Calling it reaps the ones that ended.
    public static func activeChildren() -> [ChildProcess] {
        registry.active()
    }

    /// The number of online processors (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static var cpuCount: Int { Syscalls.onlineProcessorCount() }

    private static let loggerStorage = Mutex(Logger(label: "weave.multiprocessing"))

    /// Where this module reports what it cannot throw: the one-time warning on forking a
    /// multi-threaded process (`warning`, with the metadata `pid` and `threads`), the
    /// shared-memory tracker's start (`debug`, with `pid` and `tracker.pid`) and the
    /// segments it unlinked because the programs that created them ended without doing so
    /// (`debug`, with `pid` and `segments`: documented use, not a leak). Labelled `weave.multiprocessing`; any thread
    /// may replace it at any time. Processes forked afterwards inherit it.
    public static var logger: Logger {
        get { loggerStorage.withLock { $0 } }
        set { loggerStorage.withLock { $0 = newValue } }
    }

    /// Whether forking a multi-threaded process logs a one-time warning through ``logger``
    /// (default true). Turn it off once you have checked that no other thread holds a lock
    /// the child needs; in a forked child only the forking thread exists.
    public static var warnsOnMultithreadedFork: Bool {
        get { forkWarningEnabled.load(ordering: .relaxed) }
        set { forkWarningEnabled.store(newValue, ordering: .relaxed) }
    }

    // MARK: Child side

    static func nextChildName() -> String {
        registry.nextName()
    }

    static func warnIfMultithreaded() {
        guard forkWarningEnabled.load(ordering: .relaxed), !forkWarningPrinted.load(ordering: .relaxed),
            !Syscalls.neverStartedThreads(), let counted = Syscalls.threadCount(),
            case let threads = counted - idleForkingThreads.load(ordering: .relaxed), threads > 1
        else { return }
        if forkWarningPrinted.exchange(true, ordering: .relaxed) { return }
        logger.warning(
            """
            forking a process with \(threads) threads; only the calling thread exists in the child, \
            and a lock another thread holds stays locked there. Use StartMethod.spawn, or set \
            Multiprocessing.warnsOnMultithreadedFork = false once checked.
            """,
            metadata: ["pid": "\(Syscalls.processID())", "threads": "\(threads)"])
    }

    /// Records whether this child's forking thread only waits while another runs the work.
    static func setForkingThreadIdle(_ idle: Bool) {
        idleForkingThreads.store(idle ? 1 : 0, ordering: .relaxed)
    }

    /// Takes on a child's identity, right after `fork()` or in `bootstrapIfChild()`.
    static func becomeChild(name: String, parent newParent: ProcessIdentity, isDaemon: Bool) {
        current = ProcessIdentity(name: name, pid: Syscalls.processID())
        parent = newParent
        // Keep the inherited registry alive rather than release it: it is a copy whose
        // lock another thread may have held at the fork, and freeing it would only fault
        // its pages and its deinit's code into every child for nothing.
        _ = Unmanaged.passRetained(registry)
        registry = ChildRegistry()
        if isDaemon {
            // The kernel kills a daemon child when its parent dies. If the parent died
            // before this call, the child now has another parent: leave at once.
            if Syscalls.setParentDeathSignal(9) && Syscalls.parentProcessID() != newParent.pid {
                Syscalls.exitImmediately(1)
            }
        }
    }

    /// Runs a child's work; returns its exit code (1 when it threw).
    static func runChildWork(_ work: ChildProcess.Work, name: String) -> Int32 {
        do {
            switch work {
            case .closure(let body): try body()
            case .entryPoint(_, _, let body): try body()
            }
            return 0
        } catch {
            Syscalls.writeToStandardError("Process \(name) (pid \(Syscalls.processID())) failed: \(error)\n")
            return 1
        }
    }

    /// What a child does before it leaves: wait for its own children and flush its output.
    static func finishChild() {
        registry.finishAll()
        Syscalls.flushStandardStreams()
    }

    /// Registers, once per process, the exit handler that finishes this process's children.
    static func installExitHandler() {
        let me = Syscalls.processID()
        if exitHandlerInstalledBy.exchange(me, ordering: .relaxed) == me { return }
        atexit {
            if Multiprocessing.exitHandlerInstalledBy.load(ordering: .relaxed) == Syscalls.processID() {
                Multiprocessing.registry.finishAll()
            }
        }
    }
}
