/// The error a distributed pool or worker throws on its own account (a task's own failure
/// reaches its caller as a ``DistributedTaskError``).
///
/// The set of codes can grow; switch over `code` with a `default` branch.
public struct DistributedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(raw: UInt8) { self.raw = raw }

        /// The database URL or a setting is malformed (an unknown scheme, a missing user, a
        /// lease shorter than the heartbeat). The message names it; fix the configuration.
        public static let invalidConfiguration = Code(raw: 1)
        /// The pool was closed: its unfinished futures fail with this, and it takes no more
        /// work. The tasks already stored still run; make a new pool to submit again.
        public static let closed = Code(raw: 2)
        /// The database holds a newer Weave schema than this program knows: a newer release
        /// of the program migrated it. Upgrade this program to the same release.
        public static let schemaTooNew = Code(raw: 3)
        /// An input did not encode, or an output did not decode as the function's types:
        /// the caller and the worker registered different types under one name. Build both
        /// from the same source.
        public static let codingFailed = Code(raw: 4)

        public var description: String {
            switch self {
            case .invalidConfiguration: "invalidConfiguration"
            case .closed: "closed"
            case .schemaTooNew: "schemaTooNew"
            case .codingFailed: "codingFailed"
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

    public var description: String { "DistributedError.\(code): \(message)" }
}
