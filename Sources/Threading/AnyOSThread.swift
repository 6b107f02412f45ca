import Synchronization
import WeaveDurations

/// One OS thread as Python's `threading` sees it, whatever its result type — the object
/// `threading.current_thread()`, `main_thread()` and `enumerate()` return.
///
/// Every ``OSThread`` has one (its `handle`); the main thread has one named `MainThread`; a
/// thread started by other code gets one named `Dummy-N`, marked daemon, the first time it
/// asks for `Threading.currentThread` (Python's `_DummyThread`), dropped when it exits.
/// Two handles are equal when they stand for the same thread. Any thread may use it.
public final class AnyOSThread: Sendable, Hashable, CustomStringConvertible {
    /// Who started the thread.
    enum Origin: Sendable {
        /// An ``OSThread``: joinable, its end is signalled.
        case started
        /// The process's main thread.
        case main
        /// A thread started by other code.
        case foreign
    }

    /// Where the thread is in its life.
    enum Phase: Sendable {
        case created, starting, running, finished
    }

    /// What the thread's observers may read, and the wait for its end.
    struct Facts {
        var name: String
        var isDaemon: Bool
        var ident: UInt?
        var nativeID: UInt64?
        var phase: Phase
    }

    let origin: Origin
    let facts: ConditionHandle<Facts>
    /// The thread's ``ThreadLocal`` values by local key, read and written by the thread
    /// itself; dropped when it ends or when their ``ThreadLocal`` goes away.
    let locals = Mutex<[UInt64: ThreadLocalSlot]>([:])

    init(origin: Origin, name: String, isDaemon: Bool, phase: Phase) {
        self.origin = origin
        facts = ConditionHandle(Facts(name: name, isDaemon: isDaemon, phase: phase))
    }

    /// The thread's name — Python's `Thread.name`; set it at any time. Names need not be
    /// unique.
    public var name: String {
        get { facts.withLock { $0.name } }
        set { facts.withLock { $0.name = newValue } }
    }

    /// Whether the process may end without waiting for this thread — Python's
    /// `Thread.daemon`. Non-daemon ``OSThread``s are joined when the process exits normally.
    public var isDaemon: Bool { facts.withLock { $0.isDaemon } }

    /// The thread's identifier while it runs or after — Python's `Thread.ident`, the value
    /// of `pthread_self()`; nil before it starts. The system may reuse it for a later
    /// thread once this one has ended.
    public var ident: UInt? { facts.withLock { $0.ident } }

    /// The kernel's id for the thread — Python's `Thread.native_id` (`gettid()` on Linux);
    /// nil before it starts.
    public var nativeID: UInt64? { facts.withLock { $0.nativeID } }

    /// Whether the thread has been started and has not finished — Python's
    /// `Thread.is_alive()`.
    public var isAlive: Bool {
        facts.withLock { $0.phase == .starting || $0.phase == .running }
    }

    /// Waits until the thread finishes — Python's `Thread.join(timeout)`.
    ///
    /// Call from any thread but this one.
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether the thread has finished (false: the timeout expired first; Python
    ///   leaves you to check `is_alive()`).
    /// - Throws: ``ThreadingError`` `.joinSelf` from the thread itself, `.notStarted` before
    ///   `start()`, `.notJoinable` for the main thread and threads not made by ``OSThread``.
    @DurationOverload
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        guard origin == .started else {
            throw ThreadingError(.notJoinable, context: "join() on \(self)")
        }
        guard self != ThreadRegistry.shared.current() else {
            throw ThreadingError(.joinSelf, context: "join() on \(self)")
        }
        let deadline = Deadline(timeout: timeout)
        return try facts.wait(until: deadline, for: { $0.phase == .finished || $0.phase == .created }) { facts, _ in
            if facts.phase == .created {
                throw ThreadingError(.notStarted, context: "join() on \(facts.name)")
            }
            return facts.phase == .finished
        }
    }

    /// Python's `repr(thread)`: `<OSThread(name, started ident)>`.
    public var description: String {
        facts.withLock { facts in
            let state = switch facts.phase {
            case .created: "initial"
            case .starting, .running: "started"
            case .finished: "stopped"
            }
            let ident = facts.ident.map { " \($0)" } ?? ""
            let daemon = facts.isDaemon ? " daemon" : ""
            return "<OSThread(\(facts.name), \(state)\(daemon)\(ident))>"
        }
    }

    public static func == (lhs: AnyOSThread, rhs: AnyOSThread) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    // MARK: Life cycle, driven by the registry and `OSThread`

    /// Sets the daemon flag before start; false once started.
    func setDaemonBeforeStart(_ isDaemon: Bool) -> Bool {
        facts.withLock { facts in
            guard facts.phase == .created else { return false }
            facts.isDaemon = isDaemon
            return true
        }
    }

    /// Moves from created to starting; false when already started.
    func beginStarting() -> Bool {
        facts.withLock { facts in
            guard facts.phase == .created else { return false }
            facts.phase = .starting
            return true
        }
    }

    /// Back to created after the system refused the thread, so `start()` may be retried.
    func startFailed() {
        facts.withLock { $0.phase = .created }
    }

    /// Records the calling thread's ids and marks it running; on the thread itself.
    func markRunning() {
        facts.withLock { facts in
            facts.ident = Syscalls.currentIdent()
            facts.nativeID = Syscalls.nativeThreadID()
            facts.phase = .running
        }
        facts.broadcast()
    }

    /// Waits until the new thread has recorded its ids (Python's `_started.wait()`).
    func waitUntilRunning() {
        facts.wait(until: .never, for: { $0.phase != .starting }) { _, _ in }
    }

    /// Marks the thread finished and wakes its joiners.
    func markFinished() {
        facts.withLock { $0.phase = .finished }
        facts.broadcast()
    }

    /// In a forked child, for a thread that did not survive the fork: its lock may have
    /// been held by a thread that no longer exists; it has ended.
    func abandonInForkedChild() {
        facts.reinitializeInForkedChild()
        markFinished()
    }

    /// Takes every ``ThreadLocal`` value of the thread, for the caller to drop outside the
    /// lock (a value's `deinit` may itself use thread-local values).
    func takeLocals() -> [UInt64: ThreadLocalSlot] {
        locals.withLock { locals in
            let taken = locals
            locals = [:]
            return taken
        }
    }
}

/// One ``ThreadLocal`` value in a thread's storage; boxed so that values of any type, not
/// only `Sendable` ones, can sit in the thread's guarded table (only its own thread reads
/// them; another thread may only drop them).
final class ThreadLocalSlot: @unchecked Sendable {
    let value: Any

    init(_ value: Any) { self.value = value }
}
