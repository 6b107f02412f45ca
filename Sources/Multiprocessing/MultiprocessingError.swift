/// The error every `Multiprocessing` call throws, except Codable failures, which are
/// `DecodingError` and `EncodingError` as Swift users expect.
///
/// The set of codes can grow; switch over `code` with a `default` branch.
public struct MultiprocessingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case systemCallFailed, alreadyStarted, notStarted, processClosed, stillRunning
            case timedOut, endOfStream, truncatedMessage, ownerDied, notOwner, brokenBarrier
            case valueLimitExceeded, queueFull, queueEmpty, queueClosed, unknownEntryPoint
            case notSpawnChild, tooManyTaskDone, invalidArgument, workerDied, poolClosed
        }
        private let kind: Kind

        /// A system call failed; `errno` and `context` name it. Check the arguments and the
        /// limits the errno points at (`EMFILE`: too many open files, `ENOMEM`, `EEXIST`…).
        public static let systemCallFailed = Code(kind: .systemCallFailed)
        /// `start()` was called twice. A ``ChildProcess`` runs once; create a new one instead.
        public static let alreadyStarted = Code(kind: .alreadyStarted)
        /// The process was asked for its pid, exit code or a join before `start()`. Call
        /// `start()` first.
        public static let notStarted = Code(kind: .notStarted)
        /// The ``ChildProcess`` was closed with `close()`; its pid may already belong to
        /// another program. Keep the values you need before closing.
        public static let processClosed = Code(kind: .processClosed)
        /// `close()` was called on a process that is still running. `join()` or
        /// `terminate()` it first.
        public static let stillRunning = Code(kind: .stillRunning)
        /// A wait with a timeout expired. Retry, or give the wait a longer timeout.
        public static let timedOut = Code(kind: .timedOut)
        /// The other end of a connection was closed between two messages (Python's
        /// `EOFError`). Nothing more will arrive; stop reading.
        public static let endOfStream = Code(kind: .endOfStream)
        /// The other end of a connection closed in the middle of a message, usually because
        /// the writer crashed. The partial message was dropped; stop reading.
        public static let truncatedMessage = Code(kind: .truncatedMessage)
        /// The process that held a lock died while holding it. The caller now holds the lock;
        /// check the data the lock protects, then release it normally.
        public static let ownerDied = Code(kind: .ownerDied)
        /// A lock was released by a process or thread that does not hold it. Only the holder
        /// may release.
        public static let notOwner = Code(kind: .notOwner)
        /// A barrier was aborted or a waiter timed out, so the barrier cannot complete. Call
        /// `reset()` before reusing it.
        public static let brokenBarrier = Code(kind: .brokenBarrier)
        /// A bounded semaphore was released more times than it was acquired. Balance every
        /// `release()` with an earlier `acquire()`.
        public static let valueLimitExceeded = Code(kind: .valueLimitExceeded)
        /// A non-blocking or timed `put` found the queue full (Python's `queue.Full`). Retry
        /// later or wait longer.
        public static let queueFull = Code(kind: .queueFull)
        /// A non-blocking or timed `get` found the queue empty (Python's `queue.Empty`). Retry
        /// later or wait longer.
        public static let queueEmpty = Code(kind: .queueEmpty)
        /// The queue was closed in this process with `close()`. Use another handle or stop.
        public static let queueClosed = Code(kind: .queueClosed)
        /// A spawned child was asked to run an entry point its program never registered.
        /// Register it with `Multiprocessing.register(_:)` before `bootstrapIfChild()`.
        public static let unknownEntryPoint = Code(kind: .unknownEntryPoint)
        /// This spawned child could not read its start-up message from its parent. Start
        /// spawn children only through ``ChildProcess/start()``.
        public static let notSpawnChild = Code(kind: .notSpawnChild)
        /// `taskDone()` was called more times than items were put. Call it once per `get()`.
        public static let tooManyTaskDone = Code(kind: .tooManyTaskDone)
        /// An argument is out of range; `context` says which one and what is allowed.
        public static let invalidArgument = Code(kind: .invalidArgument)
        /// The pool worker running this task ended without being asked to (killed by a
        /// signal, crashed); `context` names it, its pid and the signal or exit code. Only
        /// the task it was running failed: the pool started a replacement and goes on. Run
        /// the task again if it is safe to.
        public static let workerDied = Code(kind: .workerDied)
        /// Work was given to a pool after `close()` or `terminate()`. Make a new pool.
        public static let poolClosed = Code(kind: .poolClosed)

        public var description: String {
            switch kind {
            case .systemCallFailed: "a system call failed"
            case .alreadyStarted: "the process was already started; create a new ChildProcess"
            case .notStarted: "the process has not been started; call start() first"
            case .processClosed: "the process handle was closed; read its values before close()"
            case .stillRunning: "the process is still running; join() or terminate() it before close()"
            case .timedOut: "the wait timed out; retry or wait longer"
            case .endOfStream: "the other end closed the connection; nothing more will arrive"
            case .truncatedMessage: "the other end closed in the middle of a message (did the writer crash?)"
            case .ownerDied: "the lock's previous holder died holding it; you hold it now, check the shared state"
            case .notOwner: "released a lock this caller does not hold"
            case .brokenBarrier: "the barrier is broken; call reset() before reusing it"
            case .valueLimitExceeded: "the bounded semaphore was released more often than acquired"
            case .queueFull: "the queue is full; retry later or wait longer"
            case .queueEmpty: "the queue is empty; retry later or wait longer"
            case .queueClosed: "the queue was closed in this process"
            case .unknownEntryPoint: "unknown spawn entry point; register it before bootstrapIfChild()"
            case .notSpawnChild: "could not read the spawn start-up message; start children with ChildProcess.start()"
            case .tooManyTaskDone: "taskDone() was called more times than items were put"
            case .invalidArgument: "invalid argument"
            case .workerDied: "the pool worker running the task died; the pool replaced it, retry the task if safe"
            case .poolClosed: "the pool was closed; make a new one"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The `errno` of the failed system call, when there was one.
    public var errno: Int32?
    /// Where it went wrong: the system call or the argument concerned.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, errno: Int32? = nil, context: String = "") {
        self.code = code
        self.errno = errno
        self.context = context
    }

    public var description: String {
        var text = "MultiprocessingError: \(code)"
        if !context.isEmpty { text += " (\(context))" }
        if let errno { text += ": \(SystemErrorText.describe(errno))" }
        return text
    }
}
