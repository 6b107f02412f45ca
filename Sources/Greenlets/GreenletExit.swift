/// The error that asks a greenlet to finish — Python's `greenlet.GreenletExit`.
///
/// It is what ``Greenlet/throw(_:)`` raises by default, and what a greenlet receives when the
/// last reference to it goes away while it is suspended, so that its `defer` blocks run.
/// A ``GreenletExit`` that escapes a greenlet's body is not an error: the parent's pending
/// `switch` returns `value` instead of throwing.
public struct GreenletExit: Error, CustomStringConvertible {
    /// What the parent's `switch` returns when this error escapes the body.
    public var value: (any Sendable)?

    /// Creates the error, optionally carrying the value the parent receives.
    public init(value: (any Sendable)? = nil) {
        self.value = value
    }

    public var description: String {
        "GreenletExit" + (value.map { "(\($0))" } ?? "")
    }
}
