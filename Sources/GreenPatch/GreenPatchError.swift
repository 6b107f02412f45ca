/// A misuse of ``GreenPatch``, with what to do about it in its description.
public struct GreenPatchError: Error, CustomStringConvertible, Sendable {
    /// What went wrong; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The function named is not one GreenPatch hooks: pass one of
        /// ``GreenPatch/hookedFunctionNames``.
        public static let notHooked = Code("notHooked")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and what to do, for logs and error output.
    public var description: String { "GreenPatchError.\(code): \(message)" }
}
