/// A misuse of a green lock, semaphore, condition or async result — Python's
/// `RuntimeError("release unlocked lock")` and `ValueError("Semaphore released too many
/// times")`, with the object named.
///
/// The set of codes can grow; switch over `code` with a `default` case.
public struct GreenSyncError: Error, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// A lock was released, or a condition used, while the lock was not locked.
        /// Release only what you acquired, once per acquire (`withLock` does it for you).
        public static let notLocked = Code(1)
        /// A reentrant lock (or a condition over one) was released or waited on by a
        /// greenlet that does not hold it. Only the holder may release it.
        public static let notOwner = Code(2)
        /// A bounded semaphore was released more times than it was acquired.
        public static let overReleased = Code(3)
        /// An async result was completed a second time; it is a one-shot promise.
        public static let alreadyCompleted = Code(4)

        public var description: String {
            switch self {
            case .notLocked: "notLocked"
            case .notOwner: "notOwner"
            case .overReleased: "overReleased"
            default: "alreadyCompleted"
            }
        }
    }

    /// The kind of misuse.
    public var code: Code
    /// What happened, naming the object, and what to do.
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "GreenSyncError.\(code): \(message)" }
}
