#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The process's threads as `threading` knows them: the live ones, which thread is main,
/// the handle of the calling thread, the exit handler that joins non-daemon threads and
/// the fork handlers that keep it all true in a forked child.
final class ThreadRegistry: Sendable {
    /// The one registry of the process, made on first use.
    static let shared = ThreadRegistry()

    struct State {
        /// Started and not finished, plus the main thread and foreign threads that asked
        /// for their handle (Python's `_active` and `_limbo`).
        var active: [ObjectIdentifier: AnyOSThread] = [:]
        var main: AnyOSThread
        var exitHandlerInstalled = false
        /// Run at exit before non-daemon threads are joined, by registration token.
        var exitCallbacks: [UInt64: @Sendable () -> Void] = [:]
        var nextExitToken: UInt64 = 0
    }

    let state: ConditionHandle<State>
    /// The calling thread's handle, retained (`pthread_setspecific`).
    private let currentKey: pthread_key_t
    private let threadNumbers = Atomic<Int>(0)
    private let dummyNumbers = Atomic<Int>(0)

    private init() {
        let main = AnyOSThread(origin: .main, name: "MainThread", isDaemon: false, phase: .running)
        state = ConditionHandle(State(active: [ObjectIdentifier(main): main], main: main))
        currentKey = Syscalls.makeThreadKey { raw in ThreadRegistry.foreignThreadExited(raw) }
        // The child's code, run once here on a throwaway state: a forked child creating
        // type metadata (or filling a call site's cache of it) takes a runtime lock that
        // another thread of the parent may have held at the fork, and would wait for ever;
        // what exists before the fork it only reads.
        var rehearsal = State(main: main)
        Self.abandon(Self.resetInForkedChild(&rehearsal, survivor: nil))
        Syscalls.atFork(
            prepare: { ThreadRegistry.shared.state.lockForFork() },
            parent: { ThreadRegistry.shared.state.unlockAfterFork() },
            child: {
                ThreadRegistry.shared.state.unlockAfterFork()
                ThreadRegistry.shared.resetInForkedChild()
            })
    }

    /// The next default name, `Thread-N`, numbered from 1 as Python numbers them.
    func nextThreadName() -> String {
        "Thread-\(threadNumbers.wrappingAdd(1, ordering: .relaxed).newValue)"
    }

    // MARK: The calling thread

    /// The calling thread's handle; a thread seen for the first time is the main thread or
    /// gets a `Dummy-N` handle.
    func current() -> AnyOSThread {
        if let raw = Syscalls.threadValue(currentKey) {
            return Self.handle(at: raw)
        }
        let thread: AnyOSThread
        if Syscalls.isMainThread() {
            thread = state.withLock { $0.main }
        } else {
            let number = dummyNumbers.wrappingAdd(1, ordering: .relaxed).newValue
            thread = AnyOSThread(origin: .foreign, name: "Dummy-\(number)", isDaemon: true, phase: .starting)
            state.withLock { $0.active[ObjectIdentifier(thread)] = thread }
        }
        thread.markRunning()
        bind(thread)
        return thread
    }

    /// Makes `thread` the calling thread's handle.
    func bind(_ thread: AnyOSThread) {
        Syscalls.setThreadValue(currentKey, Unmanaged.passRetained(thread).toOpaque())
    }

    /// Forgets the calling thread's handle, at the end of an ``OSThread``'s run.
    func unbind() {
        guard let raw = Syscalls.threadValue(currentKey) else { return }
        Syscalls.setThreadValue(currentKey, nil)
        Unmanaged<AnyOSThread>.fromOpaque(raw).release()
    }

    /// The `pthread_key_create` destructor: a thread that still has a handle bound when it
    /// exits (a foreign thread) leaves the registry and drops its local values.
    private static func foreignThreadExited(_ raw: UnsafeMutableRawPointer?) {
        guard let raw else { return }
        let thread = Unmanaged<AnyOSThread>.fromOpaque(raw).takeRetainedValue()
        shared.finish(thread)
    }

    // MARK: Starting and finishing

    /// Registers a thread about to start.
    func willStart(_ thread: AnyOSThread) {
        state.withLock { $0.active[ObjectIdentifier(thread)] = thread }
        installExitHandlerOnce()
    }

    /// Installs the `atexit` handler the first time a thread starts or an exit callback
    /// is registered.
    private func installExitHandlerOnce() {
        let install = state.withLock { state in
            defer { state.exitHandlerInstalled = true }
            return !state.exitHandlerInstalled
        }
        if install {
            Syscalls.atExit { ThreadRegistry.shared.joinNonDaemonThreads() }
        }
    }

    /// Drops a thread the system refused to start.
    func startFailed(_ thread: AnyOSThread) {
        state.withLock { _ = $0.active.removeValue(forKey: ObjectIdentifier(thread)) }
        thread.startFailed()
    }

    /// The end of a thread: its local values go, it leaves the registry, joiners wake.
    func finish(_ thread: AnyOSThread) {
        _ = thread.takeLocals()
        state.withLock { _ = $0.active.removeValue(forKey: ObjectIdentifier(thread)) }
        thread.markFinished()
    }

    /// The live threads, the calling one included.
    func activeThreads() -> [AnyOSThread] {
        _ = current()
        return state.withLock { Array($0.active.values) }
    }

    // MARK: Process exit and fork

    /// Registers `callback` to run at a normal exit before non-daemon threads are joined.
    func registerAtExit(_ callback: @escaping @Sendable () -> Void) -> UInt64 {
        installExitHandlerOnce()
        return state.withLock { state in
            defer { state.nextExitToken += 1 }
            state.exitCallbacks[state.nextExitToken] = callback
            return state.nextExitToken
        }
    }

    /// Drops the callback registered under `token`.
    func unregisterAtExit(_ token: UInt64) {
        state.withLock { _ = $0.exitCallbacks.removeValue(forKey: token) }
    }

    /// The `atexit` handler — Python's `threading._shutdown`: runs the exit callbacks in
    /// registration order, then waits for every non-daemon thread, including ones they
    /// start meanwhile; daemon threads are abandoned.
    private func joinNonDaemonThreads() {
        let callbacks = state.withLock { state in
            defer { state.exitCallbacks = [:] }
            return state.exitCallbacks.sorted { $0.key < $1.key }.map(\.value)
        }
        for callback in callbacks { callback() }
        let me = current()
        while true {
            let pending = state.withLock { state in
                state.active.values.first { $0.origin == .started && $0 != me && !$0.isDaemon }
            }
            guard let pending else { return }
            pending.facts.wait(until: .never, for: { $0.phase == .finished }) { _, _ in }
        }
    }

    /// In a forked child only the forking thread exists: it becomes the main thread, every
    /// other thread is marked finished (Python's `threading._after_fork`), and the exit
    /// callbacks, which serve the parent's objects, are dropped.
    private func resetInForkedChild() {
        var survivor: AnyOSThread?
        if let raw = Syscalls.threadValue(currentKey) {
            survivor = Self.handle(at: raw)
        }
        let lost = state.withLock { Self.resetInForkedChild(&$0, survivor: survivor) }
        Self.abandon(lost)
        survivor?.facts.reinitializeInForkedChild()
        survivor?.markRunning()
    }

    /// Makes `survivor` (or a new handle) the main and only active thread of `state`,
    /// drops the exit callbacks, and returns the threads that did not survive.
    private static func resetInForkedChild(_ state: inout State, survivor: AnyOSThread?) -> [AnyOSThread] {
        let lost = state.active.values.filter { $0 != survivor }
        let main = survivor ?? AnyOSThread(origin: .main, name: "MainThread", isDaemon: false, phase: .running)
        state.main = main
        state.active = [ObjectIdentifier(main): main]
        state.exitCallbacks = [:]
        return lost
    }

    /// Marks `threads`, which did not survive a fork, finished.
    private static func abandon(_ threads: [AnyOSThread]) {
        for thread in threads {
            thread.abandonInForkedChild()
        }
    }

    /// The handle stored at `raw` by the thread-local key, unretained.
    private static func handle(at raw: UnsafeMutableRawPointer) -> AnyOSThread {
        Unmanaged<AnyOSThread>.fromOpaque(raw).takeUnretainedValue()
    }
}
