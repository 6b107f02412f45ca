/// A green wait ran out of time — gevent's `Timeout`.
///
/// Thrown by a blocking call's `timeout:` and by ``Green/withTimeout(_:_:)-(Double,_)`` when the scope's
/// time runs out while something inside it waits.
public struct GreenTimeoutError: Error, CustomStringConvertible, Equatable {
    /// The time that ran out, in seconds.
    public var seconds: Double
    let scope: UInt64

    @usableFromInline
    package init(seconds: Double, scope: UInt64 = 0) {
        self.seconds = seconds
        self.scope = scope
    }

    public var description: String { "timed out after \(seconds) s" }
}

/// A misuse of the hub, or a wait that can never end.
///
/// The set of codes can grow; switch over `code` with a `default` case.
public struct HubError: Error, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// Every greenlet is waiting and nothing can wake any of them: no timer, no I/O,
        /// no cross-thread work. The message lists who waits on what.
        public static let deadlock = Code(1)
        /// The object belongs to another thread's hub. Hand the work to that hub with a
        /// ``HubRemote`` instead.
        public static let wrongThread = Code(2)
        /// A blocking call was made in the hub itself (a callback run by the event loop).
        /// Spawn a green thread for work that blocks.
        public static let blockingInHub = Code(3)
        /// The system refused a thread for a new hub (``Hub/startThread()``).
        public static let threadUnavailable = Code(4)

        public var description: String {
            switch self {
            case .deadlock: "deadlock"
            case .wrongThread: "wrongThread"
            case .blockingInHub: "blockingInHub"
            default: "threadUnavailable"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do, in full (for `deadlock`, every blocked greenlet and
    /// what it waits on).
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "HubError.\(code): \(message)" }
}
