/// A misuse of a greenlet, reported instead of a crash.
///
/// The set of codes can grow; switch over `code` with a `default` case.
public struct GreenletError: Error, CustomStringConvertible, Equatable {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The greenlet belongs to another thread. Each thread has its own greenlets;
        /// hand work to the owning thread instead of switching to its greenlets.
        public static let wrongThread = Code(1)
        /// The requested parent would make the parent chain a cycle.
        public static let parentCycle = Code(2)
        /// The requested parent belongs to another thread than the greenlet.
        public static let parentOnAnotherThread = Code(3)
        /// A thread's main greenlet's parent cannot be changed.
        public static let mainGreenletParent = Code(4)
        /// The system refused memory for a greenlet's stack (mmap or madvise failed).
        public static let stackUnavailable = Code(5)

        public var description: String {
            switch self {
            case .wrongThread: "wrongThread"
            case .parentCycle: "parentCycle"
            case .parentOnAnotherThread: "parentOnAnotherThread"
            case .mainGreenletParent: "mainGreenletParent"
            default: "stackUnavailable"
            }
        }
    }

    /// The kind of misuse.
    public var code: Code
    /// A sentence saying what happened and what to do instead.
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "GreenletError.\(code): \(message)" }

    public static func == (lhs: GreenletError, rhs: GreenletError) -> Bool {
        lhs.code == rhs.code
    }
}
