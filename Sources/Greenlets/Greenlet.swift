import CWeaveContext

/// A stackful coroutine with explicit switching — Python's `greenlet.greenlet`.
///
/// A greenlet runs its body on a stack of its own. ``switch(_:)`` suspends the running
/// greenlet and resumes another one exactly where it left off; nothing runs concurrently,
/// and nothing is scheduled behind your back.
///
/// ```swift
/// let child = Greenlet { value in
///     let reply = try Greenlet.current.parent!.switch("got \(value!)")
///     return "done after \(reply!)"
/// }
/// let first = try child.switch(1)      // "got 1"
/// let last = try child.switch("ping")  // "done after ping"
/// ```
///
/// - The first `switch` passes its value to the body. Every later `switch` returns what
///   the greenlet that switches back sends.
/// - When the body returns, its value goes to the parent: the parent's pending `switch`
///   returns it. An error thrown out of the body is rethrown there; a ``GreenletExit``
///   that escapes the body counts as a normal return of its `value`.
/// - Switching to a dead greenlet goes to its parent, then up the chain.
/// - When the last reference to a suspended greenlet goes away, a ``GreenletExit`` is thrown
///   into it so that its `defer` blocks run. A greenlet is never leaked mid-body that way;
///   it can still be kept alive by a reference cycle (two greenlets whose bodies capture
///   each other) or by a strong reference on its own stack.
///
/// Greenlets belong to the thread that created them. Each thread has its own main greenlet,
/// created on first use. Call a greenlet's methods only on its own thread: switching to a
/// greenlet of another thread throws ``GreenletError/Code-swift.struct/wrongThread``.
public final class Greenlet {
    let core: GreenletCore

    init(core: GreenletCore) {
        self.core = core
    }

    /// Creates a greenlet whose parent is the thread's current greenlet.
    ///
    /// The body does not run until the first `switch`.
    /// - Parameters:
    ///   - name: A name for diagnostics: stack overflow reports and traces use it.
    ///   - stackSize: Bytes of stack address space for a `.dedicated` greenlet; only the
    ///     pages it touches cost memory. Defaults to ``defaultStackSize``.
    ///   - stackMode: Where the greenlet's stack lives. Defaults to ``defaultStackMode``.
    ///   - body: Receives the value of the first `switch`; its return value goes to the
    ///     parent.
    public convenience init(
        name: String? = nil,
        stackSize: Int? = nil,
        stackMode: StackMode? = nil,
        _ body: @escaping (Any?) throws -> Any?
    ) {
        let thread = GreenletThread.current
        self.init(
            thread: thread, parent: thread.currentCore.handleObject(), name: name, stackSize: stackSize,
            stackMode: stackMode, body: body)
    }

    /// Creates a greenlet with an explicit parent, which must belong to this thread.
    ///
    /// - Throws: ``GreenletError`` with code `parentOnAnotherThread` when `parent` was
    ///   created on another thread.
    public convenience init(
        parent: Greenlet,
        name: String? = nil,
        stackSize: Int? = nil,
        stackMode: StackMode? = nil,
        _ body: @escaping (Any?) throws -> Any?
    ) throws {
        let thread = GreenletThread.current
        guard parent.core.thread === thread else {
            throw GreenletError(
                .parentOnAnotherThread,
                "a greenlet's parent must belong to the thread that creates it; create it on the parent's thread")
        }
        self.init(
            thread: thread, parent: parent, name: name, stackSize: stackSize, stackMode: stackMode, body: body)
    }

    /// Creates a greenlet whose parent is `parent`, a greenlet of the calling thread (the
    /// caller vouches for that): a higher layer's spawn, which skips the thread check.
    package convenience init(
        childOf parent: Greenlet,
        name: String?,
        stackMode: StackMode?,
        _ body: @escaping (Any?) throws -> Any?
    ) {
        self.init(
            thread: parent.core.thread, parent: parent, name: name, stackSize: nil, stackMode: stackMode,
            body: body)
    }

    private convenience init(
        thread: GreenletThread,
        parent: Greenlet,
        name: String?,
        stackSize: Int?,
        stackMode: StackMode?,
        body: @escaping (Any?) throws -> Any?
    ) {
        let core = GreenletCore(
            thread: thread,
            parent: parent,
            name: name,
            stackSize: stackSize ?? Greenlet.defaultStackSize,
            stackMode: stackMode ?? Greenlet.defaultStackMode,
            body: body
        )
        self.init(core: core)
        core.handle = Unmanaged.passUnretained(self)
    }

    deinit {
        core.handleReleased()
    }

    // MARK: Switching

    /// Suspends the running greenlet and resumes this one, handing it `value`.
    ///
    /// If this greenlet has not started, its body starts with `value` as its argument. If it
    /// is suspended in a `switch`, that call returns `value`. If it is dead, the switch goes
    /// to its parent (then up the chain).
    ///
    /// - Returns: What is handed back when the running greenlet is resumed: a later
    ///   `switch` value, or the return value of a child whose parent it is.
    /// - Throws: The error a child's body threw, an error thrown into this greenlet with
    ///   ``throw(_:)``, or ``GreenletError`` with code `wrongThread`.
    @discardableResult
    public func `switch`(_ value: consuming Any? = nil) throws -> Any? {
        try core.resume(handing: value) ? takeArrivedValue() : nil
    }

    /// Resumes this greenlet by raising `error` at its pending `switch` — Python's
    /// `greenlet.throw()`.
    ///
    /// A greenlet that has not started is killed without running its body: the error goes
    /// straight to its parent (a ``GreenletExit`` as a normal value).
    /// - Returns: What is handed back when the running greenlet is resumed.
    @discardableResult
    public func `throw`(_ error: any Error = GreenletExit()) throws -> Any? {
        try core.resume(with: .error(error), kind: .throw) ? takeArrivedValue() : nil
    }

    /// The value that came back with the last switch of this greenlet's thread.
    private func takeArrivedValue() -> Any? {
        GreenletThread.takeArrivedValue(core.hot)
    }

    /// Resumes this greenlet handing it nothing — the hub's switch, which keeps wake-up
    /// state of its own. A pending ``switch(_:)`` in the target returns `nil`.
    ///
    /// - Precondition: the caller runs on this greenlet's thread (the hub checks).
    /// - Throws: An error thrown into the calling greenlet while it was suspended.
    package func switchHandingNothing() throws {
        try core.resumeHandingNothing()
    }

    /// This greenlet's machine context, for a C layer that compares it with the running
    /// one (`weave_running_context`); valid while the greenlet lives.
    package var contextPointer: UnsafeMutablePointer<weave_context> {
        core.context
    }

    /// State a higher layer keeps for this greenlet (the hub's record of it); released
    /// when the greenlet finishes.
    package var attachment: AnyObject? {
        get { core.attachment }
        set { core.attachment = newValue }
    }

    /// The running greenlet's `attachment`, read without making a handle.
    package static var currentAttachment: AnyObject? {
        get { GreenletThread.withCurrentCore { $0.attachment } }
        set { GreenletThread.withCurrentCore { $0.attachment = newValue } }
    }

    /// The address of the running greenlet's `attachment`, or `nil`: for a higher layer
    /// to use its state unretained (the greenlet keeps it alive while it runs).
    package static var currentAttachmentToken: UnsafeMutableRawPointer? {
        GreenletThread.withCurrentCore { $0.attachmentToken }
    }

    /// The address of the calling thread's `threadAttachment`, or `nil`.
    package static var threadAttachmentToken: UnsafeMutableRawPointer? {
        GreenletThread.withCurrent { $0.attachmentToken }
    }

    /// Identifies the calling thread's greenlet runtime, or `nil` if the thread has not
    /// used greenlets yet: a cheap "am I on that thread?" test for a higher layer.
    package static var threadIdentity: UnsafeMutableRawPointer? {
        weave_thread_state_get()
    }

    /// A per-thread slot for a higher layer (the thread's hub), released with the thread.
    package static var threadAttachment: AnyObject? {
        get { GreenletThread.withCurrent { $0.attachment } }
        set { GreenletThread.withCurrent { $0.attachment = newValue } }
    }

    // MARK: State

    /// The greenlet that receives this one's result when its body ends; `nil` only for a
    /// thread's main greenlet.
    public var parent: Greenlet? { core.parent }

    /// Makes `newParent` this greenlet's parent.
    ///
    /// - Throws: ``GreenletError`` with code `parentCycle` if this greenlet is `newParent`
    ///   or one of its ancestors, `parentOnAnotherThread` if they belong to different
    ///   threads, and `mainGreenletParent` for a thread's main greenlet.
    public func setParent(_ newParent: Greenlet) throws {
        try core.setParent(newParent)
    }

    /// Whether the body has finished (returned, thrown, or was killed before it started).
    public var isDead: Bool { core.state == .dead }

    /// Whether the body has started running (it may have finished since).
    public var hasStarted: Bool { core.state != .unstarted }

    /// Whether the greenlet has started and not finished — Python's `bool(greenlet)`.
    public var isActive: Bool { core.state == .started }

    /// Whether this is a thread's main greenlet.
    public var isMain: Bool { core.isMain }

    /// The name given at creation, or `nil`.
    public var name: String? { core.name }

    /// The greenlet running on the calling thread — Python's `greenlet.getcurrent()`.
    public static var current: Greenlet {
        GreenletThread.current.currentCore.handleObject()
    }

    /// The calling thread's main greenlet: the one running the thread's original stack.
    public static var main: Greenlet {
        GreenletThread.current.mainHandle
    }
}

extension Greenlet: CustomStringConvertible {
    public var description: String {
        let state = isDead ? "dead" : (hasStarted ? "active" : "unstarted")
        return "Greenlet(\(name ?? (isMain ? "main" : "unnamed")), \(state))"
    }
}
