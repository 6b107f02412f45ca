import WeaveDurations

/// A child process that runs a Swift closure or a registered entry point (Python's
/// `multiprocessing.Process`).
///
/// ```swift
/// let child = try ChildProcess(name: "worker", daemon: true, arguments: 42) { n in
///     print("child \(Multiprocessing.currentProcess.pid) got \(n)")
/// }
/// try child.start()
/// try child.join()
/// ```
///
/// A handle may be used from any thread. Only the process that started a child may join,
/// poll or signal it. A child that is never joined is reaped anyway (at the next `start()`,
/// `Multiprocessing.activeChildren()` or at exit), so zombies do not pile up. When the
/// program exits normally, its non-daemon children are joined and its daemon children
/// terminated, as in Python; daemon children also die when the parent is killed.
public final class ChildProcess: @unchecked Sendable {
    /// What a child runs.
    enum Work: Sendable {
        /// A closure; only `fork` can carry it into the child.
        case closure(@Sendable () throws -> Void)
        /// A registered entry point: its name, its encoded arguments (for spawn) and a
        /// direct call (for fork).
        case entryPoint(String, @Sendable () throws -> [UInt8], @Sendable () throws -> Void)
    }

    private enum State {
        case created
        case running(pid: Int32, descriptor: Int32?)
        case ended(pid: Int32, exitCode: Int32)
        case closed
    }

    private let lock = InProcessLock()
    private var state = State.created
    private var storedName: String
    private var storedDaemon: Bool
    private var starter: Int32 = 0
    private let work: Work
    /// The start method this process uses.
    public let startMethod: StartMethod

    init(name: String?, daemon: Bool, startMethod: StartMethod, work: Work) {
        storedName = name ?? Multiprocessing.nextChildName()
        storedDaemon = daemon
        self.startMethod = startMethod
        self.work = work
    }

    /// Creates a process that will run `target`.
    /// - Parameters:
    ///   - name: The process's name; `Process-N` by default.
    ///   - daemon: Whether the child dies with this process (see `isDaemon`).
    ///   - startMethod: `fork` by default on Linux. A closure needs `fork`.
    ///   - target: The work; a thrown error is printed on standard error and the child
    ///     exits with code 1.
    public convenience init(
        name: String? = nil, daemon: Bool = false, startMethod: StartMethod = .platformDefault,
        target: @escaping @Sendable () throws -> Void
    ) {
        self.init(name: name, daemon: daemon, startMethod: startMethod, work: .closure(target))
    }

    /// Creates a process that will run `target(arguments)` (Python's `Process(target=f,
    /// args=(x,))`).
    public convenience init<Arguments: Sendable>(
        name: String? = nil, daemon: Bool = false, startMethod: StartMethod = .platformDefault,
        arguments: Arguments, target: @escaping @Sendable (Arguments) throws -> Void
    ) {
        self.init(name: name, daemon: daemon, startMethod: startMethod, work: .closure { try target(arguments) })
    }

    /// Creates a process that will run a registered entry point with `arguments`. With
    /// `spawn` the arguments travel encoded; with `fork` the entry point is called directly.
    public convenience init<Arguments: Codable & Sendable>(
        name: String? = nil, daemon: Bool = false, startMethod: StartMethod = .platformDefault,
        entryPoint: SpawnEntryPoint<Arguments>, arguments: Arguments
    ) {
        let work = Work.entryPoint(
            entryPoint.name,
            { try BinaryCodableEncoder().encode(arguments) },
            { try entryPoint.body(arguments) })
        self.init(name: name, daemon: daemon, startMethod: startMethod, work: work)
    }

    deinit {
        if case .running(let pid, let descriptor) = state {
            descriptor.map(Syscalls.closeDescriptor)
            Multiprocessing.registry.forget(pid: pid)
        }
    }

    // MARK: Attributes

    /// The process's name. It is passed to the child at `start()`.
    public var name: String {
        get { lock.withLock { storedName } }
        set { lock.withLock { storedName = newValue } }
    }

    /// Whether the child is a daemon: it is terminated when this process exits normally and
    /// killed (`PR_SET_PDEATHSIG` with SIGKILL on Linux) when this process dies any other
    /// way. Set it before `start()`.
    ///
    /// On Linux the kernel signals the child when the *thread* that started it exits, so
    /// start daemon children from a thread that lives as long as they should.
    public var isDaemon: Bool {
        get { lock.withLock { storedDaemon } }
        set {
            lock.withLock {
                guard case .created = state else {
                    preconditionFailure("set isDaemon before start(); the child already runs with the old value")
                }
                storedDaemon = newValue
            }
        }
    }

    /// The child's process id, or nil before `start()`.
    public var pid: Int32? {
        lock.withLock {
            switch state {
            case .running(let pid, _), .ended(let pid, _): pid
            case .created, .closed: nil
            }
        }
    }

    /// The child's exit code, or nil while it runs or before `start()`. A negative code is
    /// minus the signal that ended it (-15 after `terminate()`, -9 after `kill()`).
    public var exitCode: Int32? {
        (try? poll()) ?? nil
    }

    /// Whether the child has started and not yet ended. Reaps it if it has ended.
    public var isAlive: Bool {
        lock.withLock {
            if case .running = state { return true }
            return false
        } && ((try? poll()) ?? nil) == nil
    }

    // MARK: Life cycle

    /// Starts the child. Call it once.
    /// - Throws: `.alreadyStarted` on a second call; `.invalidArgument` for a closure with
    ///   `spawn`; `.systemCallFailed` when `fork` or `posix_spawn` fails.
    public func start() throws {
        let request: LaunchRequest = try lock.withLock {
            guard case .created = state else {
                throw MultiprocessingError(.alreadyStarted, context: storedName)
            }
            return LaunchRequest(name: storedName, isDaemon: storedDaemon, work: work)
        }
        Multiprocessing.registry.reapForgotten()
        let pid = try startMethod.launcher.launch(request)
        let descriptor = Syscalls.openProcessDescriptor(pid)
        lock.withLock {
            state = .running(pid: pid, descriptor: descriptor)
            starter = Syscalls.processID()
        }
        Multiprocessing.registry.add(pid: pid, isDaemon: request.isDaemon, handle: self)
    }

    /// Waits until the child ends, at most `timeout` seconds (nil waits for ever). Returns
    /// whether it has ended; read `exitCode` for how.
    /// - Throws: `.notStarted` before `start()`, `.processClosed` after `close()`.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        let limitTime = deadline(after: timeout)
        var pause = 0.0001
        while true {
            if try poll() != nil { return true }
            let remaining = limitTime.map { $0 - Syscalls.monotonicSeconds() }
            if let remaining, remaining <= 0 { return false }
            if let descriptor = processDescriptor {
                _ = try Syscalls.waitReadable(descriptor, timeout: remaining)
            } else {
                Syscalls.sleep(seconds: min(pause, remaining ?? pause))
                pause = min(pause * 2, 0.01)
            }
        }
    }

    /// Asks the child to stop with SIGTERM (`kill(pid, SIGTERM)`). Does nothing once it has
    /// ended.
    public func terminate() throws {
        try signal(15)
    }

    /// Stops the child at once with SIGKILL (`kill(pid, SIGKILL)`). Does nothing once it has
    /// ended.
    public func kill() throws {
        try signal(9)
    }

    /// Releases the handle's resources. The child must have ended; afterwards only `name`
    /// stays readable.
    /// - Throws: `.stillRunning` while the child runs.
    public func close() throws {
        try lock.withLock {
            switch state {
            case .running:
                throw MultiprocessingError(.stillRunning, context: storedName)
            case .created, .ended, .closed:
                state = .closed
            }
        }
    }

    // MARK: Internals

    /// The child's process descriptor (`pidfd_open`), readable once it has ended; nil before
    /// `start()`, after it was reaped, or where the system has none.
    var processDescriptor: Int32? {
        lock.withLock {
            if case .running(_, let descriptor) = state { return descriptor }
            return nil
        }
    }

    private func signal(_ number: Int32) throws {
        guard let pid = try runningPid() else { return }
        try Syscalls.sendSignal(number, to: pid)
    }

    private func runningPid() throws -> Int32? {
        try lock.withLock {
            switch state {
            case .created: throw MultiprocessingError(.notStarted, context: storedName)
            case .closed: throw MultiprocessingError(.processClosed, context: storedName)
            case .ended: return nil
            case .running(let pid, _): return pid
            }
        }
    }

    /// Reaps the child if it has ended (`waitpid(WNOHANG)`); returns its exit code then.
    @discardableResult
    func poll() throws -> Int32? {
        let ended: Int32? = try lock.withLock {
            switch state {
            case .created: throw MultiprocessingError(.notStarted, context: storedName)
            case .closed: throw MultiprocessingError(.processClosed, context: storedName)
            case .ended(_, let exitCode): return exitCode
            case .running(let pid, let descriptor):
                guard starter == Syscalls.processID() else {
                    throw MultiprocessingError(.invalidArgument, context: "only the process that started \(storedName) can wait for it")
                }
                guard let status = try Syscalls.waitForExit(pid, block: false) else { return nil }
                descriptor.map(Syscalls.closeDescriptor)
                let code = ProcessExitStatus.exitCode(fromRawStatus: status)
                state = .ended(pid: pid, exitCode: code)
                return code
            }
        }
        if ended != nil, let pid = lock.withLock({ () -> Int32? in
            if case .ended(let pid, _) = state { return pid }
            return nil
        }) {
            Multiprocessing.registry.remove(pid: pid)
        }
        return ended
    }
}
