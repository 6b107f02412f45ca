/// A queue operation that cannot complete — Python's `queue.Empty`, `queue.Full`,
/// `queue.ShutDown` and the `ValueError` of `task_done()`.
///
/// The set of codes can grow; switch over `code` with a `default` case.
public struct GreenQueueError: Error, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// Nothing to get: the queue was empty for a non-blocking get, or stayed empty
        /// until the call's timeout ran out — `queue.Empty`.
        public static let empty = Code(1)
        /// No room to put: the queue was full for a non-blocking put, or stayed full until
        /// the call's timeout ran out (a channel: no getter came) — `queue.Full`.
        public static let full = Code(2)
        /// The queue is shut down: puts fail, and gets fail once it is drained —
        /// `queue.ShutDown`.
        public static let shutDown = Code(3)
        /// `taskDone()` was called more times than items were put.
        public static let taskDoneTooManyTimes = Code(4)

        public var description: String {
            switch self {
            case .empty: "empty"
            case .full: "full"
            case .shutDown: "shutDown"
            default: "taskDoneTooManyTimes"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, naming the queue.
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "GreenQueueError.\(code): \(message)" }
}
