/// The error an executor or a ``PoolFuture`` throws on its own account (the work's own
/// errors reach the caller unchanged).
///
/// The set of codes can grow; switch over `code` with a `default` branch.
public struct ExecutorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        package init(raw: UInt8) { self.raw = raw }

        /// Work was submitted after `shutdown(wait:cancelFutures:)` (Python's
        /// `RuntimeError: cannot schedule new futures after shutdown`). Submit before
        /// shutting down, or make a new executor.
        public static let shutDown = Code(raw: 1)
        /// A wait with a timeout expired before the future finished (Python's
        /// `TimeoutError`). The work goes on; wait again, or cancel it.
        public static let timedOut = Code(raw: 2)
        /// The future was cancelled before its work started (Python's `CancelledError`).
        /// Its work never ran; submit it again if you still need it.
        public static let cancelled = Code(raw: 3)
        /// An argument is out of range (a pool of no workers, a negative timeout). The
        /// message names it; pass a value in range.
        public static let invalidArgument = Code(raw: 4)

        public var description: String {
            switch self {
            case .shutDown: "shutDown"
            case .timedOut: "timedOut"
            case .cancelled: "cancelled"
            case .invalidArgument: "invalidArgument"
            case .brokenExecutor: "brokenExecutor"
            default: "code \(raw)"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, in full.
    public var message: String

    /// Creates an error with a code and a message saying what happened.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "ExecutorError.\(code): \(message)" }
}
