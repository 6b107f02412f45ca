/// One switch or throw, as a tracer sees it — the events of Python's `greenlet.settrace`.
public struct GreenletTraceEvent {
    /// Whether control moves by a plain switch or by raising an error in the target.
    public enum Kind: Sendable, Equatable {
        /// A `switch(_:)`, or a finished greenlet handing its result to its parent.
        case `switch`
        /// A `throw(_:)`, including the ``GreenletExit`` of a greenlet killed on release.
        case `throw`
    }

    /// Whether this is a switch or a throw.
    public var kind: Kind
    /// The greenlet that is giving up control.
    public var origin: Greenlet
    /// The greenlet about to run (after dead greenlets were skipped for their parents).
    public var target: Greenlet

    init(kind: GreenletCore.SwitchKind, origin: Greenlet, target: Greenlet) {
        self.kind = kind == .switch ? .switch : .throw
        self.origin = origin
        self.target = target
    }
}

extension Greenlet {
    /// Installs `tracer` for the calling thread and returns the one it replaces —
    /// Python's `greenlet.settrace`.
    ///
    /// The tracer runs in the origin greenlet, just before control leaves it, for every
    /// switch and throw on this thread (switching a greenlet to itself included). Pass
    /// `nil` to stop tracing.
    @discardableResult
    public static func setTracer(_ tracer: ((GreenletTraceEvent) -> Void)?) -> ((GreenletTraceEvent) -> Void)? {
        let thread = GreenletThread.current
        let previous = thread.tracer
        thread.tracer = tracer
        return previous
    }
}
