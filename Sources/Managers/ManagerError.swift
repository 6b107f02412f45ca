/// The error manager proxies and ``Manager`` throw, besides ``ConnectionError`` (a key the
/// manager refuses), `EncodingError` and `DecodingError` (values that do not encode, or a
/// proxy typed differently from the values stored).
///
/// The set of codes can grow; switch over `code` with a `default` branch.
public struct ManagerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each code's description says what to do about it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case managerStopped, notStarted, alreadyStarted, lockOwnerDied, notOwner, queueEmpty, queueFull
            case indexOutOfRange, noSuchObject, wrongKind, unknownType, unknownMethod, methodFailed, invalidRequest
        }
        private let kind: Kind

        /// The manager is gone: it was shut down, or its process ended, before or while the
        /// call ran. A call in flight fails with this instead of hanging. Start a new manager.
        public static let managerStopped = Code(kind: .managerStopped)
        /// The manager was used before `start()` or `connect()`. Call one of them first.
        public static let notStarted = Code(kind: .notStarted)
        /// `start()` or `connect()` was called twice on one ``Manager``. Make another.
        public static let alreadyStarted = Code(kind: .alreadyStarted)
        /// The lock's previous holder died (its process ended) while holding it. The caller
        /// now holds the lock: check the data it protects, then release it normally.
        public static let lockOwnerDied = Code(kind: .lockOwnerDied)
        /// A lock was released by a process that does not hold it. Only the holder releases.
        public static let notOwner = Code(kind: .notOwner)
        /// A non-blocking or timed `get` found the queue empty (Python's `queue.Empty`).
        public static let queueEmpty = Code(kind: .queueEmpty)
        /// A non-blocking or timed `put` found the queue full (Python's `queue.Full`).
        public static let queueFull = Code(kind: .queueFull)
        /// A list index was out of range; `context` gives the index and the count.
        public static let indexOutOfRange = Code(kind: .indexOutOfRange)
        /// The proxy's object does not exist on this manager (a proxy of another manager).
        public static let noSuchObject = Code(kind: .noSuchObject)
        /// A named object exists with another kind (a list asked for by a dictionary's
        /// name). Use another name.
        public static let wrongKind = Code(kind: .wrongKind)
        /// No served type of that name was registered on the manager before it started.
        /// Register it with `register(_:)` before `start()` (or on the serving process).
        public static let unknownType = Code(kind: .unknownType)
        /// The served type has no method of that name. Check the name it was registered with.
        public static let unknownMethod = Code(kind: .unknownMethod)
        /// A served type's method threw on the manager; `context` holds its error's text.
        public static let methodFailed = Code(kind: .methodFailed)
        /// A frame that is not this protocol's was sent or received (another program on the
        /// socket, or mismatched Weave versions).
        public static let invalidRequest = Code(kind: .invalidRequest)

        public var description: String {
            switch kind {
            case .managerStopped: "the manager has stopped; start a new one"
            case .notStarted: "the manager is not started; call start() or connect() first"
            case .alreadyStarted: "the manager was already started or connected; make another Manager"
            case .lockOwnerDied: "the lock's previous holder died holding it; you hold it now, check the shared state"
            case .notOwner: "released a lock this process does not hold"
            case .queueEmpty: "the queue is empty; retry later or wait longer"
            case .queueFull: "the queue is full; retry later or wait longer"
            case .indexOutOfRange: "the list index is out of range"
            case .noSuchObject: "the manager has no such object"
            case .wrongKind: "a shared object of another kind already has this name"
            case .unknownType: "no served type of this name is registered on the manager"
            case .unknownMethod: "the served type has no method of this name"
            case .methodFailed: "the served type's method threw on the manager"
            case .invalidRequest: "a malformed manager frame"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Which object or call, and the manager's own words.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }

    public var description: String {
        context.isEmpty ? "ManagerError: \(code)" : "ManagerError: \(code) (\(context))"
    }
}
