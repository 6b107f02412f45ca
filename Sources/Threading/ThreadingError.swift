/// The error every `Threading` call throws — Python's `RuntimeError`, `ValueError` and
/// `threading.BrokenBarrierError` for threads and their primitives.
///
/// The set of codes can grow; switch over `code` with a `default` branch.
public struct ThreadingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case alreadyStarted, notStarted, joinSelf, notJoinable, daemonAfterStart
            case releaseUnlocked, notOwner, lockNotHeld, overReleased, brokenBarrier
            case timedOut, lostInFork, invalidArgument, systemCallFailed
        }
        private let kind: Kind

        /// `start()` was called on a thread or timer that had already been started
        /// (Python's `RuntimeError: threads can only be started once`). An ``OSThread`` runs
        /// once; create a new one.
        public static let alreadyStarted = Code(kind: .alreadyStarted)
        /// A thread was joined or asked for its result before `start()` (Python's
        /// `RuntimeError: cannot join thread before it is started`). Call `start()` first.
        public static let notStarted = Code(kind: .notStarted)
        /// A thread tried to join itself or wait for its own result, which would wait for
        /// ever (Python's `RuntimeError: cannot join current thread`). Join it from another
        /// thread.
        public static let joinSelf = Code(kind: .joinSelf)
        /// The thread was not started by an ``OSThread`` (the main thread, or a thread made by
        /// another library), so nothing signals its end. Join only ``OSThread``s.
        public static let notJoinable = Code(kind: .notJoinable)
        /// `setDaemon(_:)` was called after `start()` (Python's `RuntimeError: cannot set
        /// daemon status of active thread`). Choose the daemon flag before starting.
        public static let daemonAfterStart = Code(kind: .daemonAfterStart)
        /// A lock was released while unlocked (Python's `RuntimeError: release unlocked
        /// lock`). Release only after a successful `acquire`.
        public static let releaseUnlocked = Code(kind: .releaseUnlocked)
        /// A reentrant lock was released by a thread that does not hold it (Python's
        /// `RuntimeError: cannot release un-acquired lock`). Release it on the thread that
        /// acquired it.
        public static let notOwner = Code(kind: .notOwner)
        /// A condition was waited on or notified without holding its lock (Python's
        /// `RuntimeError: cannot wait on un-acquired lock`). Acquire the condition first,
        /// for example inside `withLock`.
        public static let lockNotHeld = Code(kind: .lockNotHeld)
        /// A bounded semaphore was released more often than it was acquired (Python's
        /// `ValueError: Semaphore released too many times`). Balance each `release()` with
        /// an earlier `acquire()`.
        public static let overReleased = Code(kind: .overReleased)
        /// A barrier was aborted, reset while threads waited, or a waiter timed out, so
        /// this wait cannot complete (Python's `BrokenBarrierError`). Call `reset()` before
        /// using the barrier again.
        public static let brokenBarrier = Code(kind: .brokenBarrier)
        /// A wait with a timeout expired before the thread finished. Retry, or wait longer.
        public static let timedOut = Code(kind: .timedOut)
        /// The thread was running in the parent when this process was forked; only the
        /// forking thread exists in a child, so it has no result here. Start the work again
        /// in the child if the child needs it.
        public static let lostInFork = Code(kind: .lostInFork)
        /// An argument is out of range; `context` says which one and what is allowed.
        public static let invalidArgument = Code(kind: .invalidArgument)
        /// A system call failed; `errno` and `context` name it (`EAGAIN` from
        /// `pthread_create`: too many threads or too little memory for their stacks).
        public static let systemCallFailed = Code(kind: .systemCallFailed)

        public var description: String {
            switch kind {
            case .alreadyStarted: "the thread was already started; create a new one"
            case .notStarted: "the thread has not been started; call start() first"
            case .joinSelf: "a thread cannot join itself; join it from another thread"
            case .notJoinable: "only threads started by OSThread can be joined"
            case .daemonAfterStart: "the daemon flag cannot change after start(); set it before starting"
            case .releaseUnlocked: "released an unlocked lock; release only after a successful acquire"
            case .notOwner: "released a reentrant lock this thread does not hold"
            case .lockNotHeld: "the condition's lock is not held; acquire it before wait or notify"
            case .overReleased: "the bounded semaphore was released more often than acquired"
            case .brokenBarrier: "the barrier is broken; call reset() before reusing it"
            case .timedOut: "the wait timed out; retry or wait longer"
            case .lostInFork: "the thread did not survive a fork; start the work again in the child"
            case .invalidArgument: "invalid argument"
            case .systemCallFailed: "a system call failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The `errno` of the failed system call, when there was one.
    public var errno: Int32?
    /// Where it went wrong: the thread, primitive or argument concerned.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, errno: Int32? = nil, context: String = "") {
        self.code = code
        self.errno = errno
        self.context = context
    }

    public var description: String {
        var text = "ThreadingError: \(code)"
        if !context.isEmpty { text += " (\(context))" }
        if let errno { text += ": \(Syscalls.describe(errno))" }
        return text
    }
}
