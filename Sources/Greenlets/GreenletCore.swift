import CWeaveContext

/// What crosses a switch: the value handed over, or the error to raise on the other side.
enum Transfer {
    /// Nothing handed over: a switch made by the hub, which keeps its own wake-up state.
    case empty
    case value(Any?)
    case error(any Error)
}

/// The state of one greenlet, kept apart from the public ``Greenlet`` handle so that the
/// handle can go away while the greenlet is suspended (and then be killed) without its
/// own frames keeping it alive.
///
/// Only the owning thread touches a core, except `handleReleased()` from another thread.
final class GreenletCore {
    enum State {
        case unstarted, started, dead
    }

    // Its fields are touched by its own thread only, and never by an access that spans a
    // switch, so they skip the runtime's dynamic exclusivity checks (`@exclusivity`).

    /// Machine state in raw memory: no Swift access may span a switch.
    let context: UnsafeMutablePointer<weave_context>
    /// The owning thread's runtime.
    let thread: GreenletThread
    /// The owning thread's switch state (shared by all its greenlets).
    let hot: UnsafeMutablePointer<GreenletThread.Hot>
    /// The owning thread's runtime as `weave_thread_state_get()` returns it on that thread.
    let threadToken: UnsafeMutableRawPointer
    let isMain: Bool
    let name: String?
    let stackSize: Int
    let stackMode: Greenlet.StackMode
    @exclusivity(unchecked) var state: State
    @exclusivity(unchecked) var parent: Greenlet?
    @exclusivity(unchecked) var body: ((Any?) throws -> Any?)?
    /// Its greenlet-local values by key; made on the first store (most greenlets have none).
    @exclusivity(unchecked) var locals: [Int: Any]?
    /// State a higher layer (the hub) keeps for this greenlet.
    @exclusivity(unchecked) var attachment: AnyObject? {
        didSet { attachmentToken = attachment.map { Unmanaged.passUnretained($0).toOpaque() } }
    }
    /// `attachment`'s address, for a higher layer's hot paths to use it unretained.
    @exclusivity(unchecked) private(set) var attachmentToken: UnsafeMutableRawPointer?
    /// The public handle, not retained: when it goes away the greenlet is killed.
    @exclusivity(unchecked) var handle: Unmanaged<Greenlet>?

    init(
        thread: GreenletThread,
        parent: Greenlet?,
        name: String?,
        stackSize: Int,
        stackMode: Greenlet.StackMode,
        body: @escaping (Any?) throws -> Any?
    ) {
        self.context = .allocate(capacity: 1)
        self.context.initialize(to: weave_context())
        self.thread = thread
        self.hot = thread.hot
        self.threadToken = Unmanaged.passUnretained(thread).toOpaque()
        self.isMain = false
        self.name = name
        self.stackSize = stackSize
        self.stackMode = stackMode
        self.state = .unstarted
        self.parent = parent
        self.body = body
        if let name { copyName(name) }
    }

    /// The core of a thread's main greenlet, running on the thread's own stack.
    init(mainOf thread: GreenletThread) {
        self.context = .allocate(capacity: 1)
        self.context.initialize(to: weave_context())
        weave_context_init_thread_main(context)
        self.thread = thread
        self.hot = thread.hot
        self.threadToken = Unmanaged.passUnretained(thread).toOpaque()
        self.isMain = true
        self.name = "main"
        self.stackSize = context.pointee.stack_size
        self.stackMode = .dedicated
        self.state = .started
    }

    deinit {
        if state == .started && !isMain {
            // Suspended for good (its thread is gone, or it escaped a kill): nothing will
            // run on its stack again, so its memory can go.
            releaseStack(recycle: false)
        }
        context.deinitialize(count: 1)
        context.deallocate()
    }

    private func copyName(_ name: String) {
        withUnsafeMutableBytes(of: &context.pointee.name) { buffer in
            let bytes = Array(name.utf8.prefix(buffer.count - 1))
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
    }

    /// The public handle for this greenlet, made anew if the old one is gone.
    func handleObject() -> Greenlet {
        if let handle { return handle.takeUnretainedValue() }
        let fresh = Greenlet(core: self)
        handle = Unmanaged.passUnretained(fresh)
        return fresh
    }

    func setParent(_ newParent: Greenlet) throws {
        guard !isMain else {
            throw GreenletError(.mainGreenletParent, "a thread's main greenlet has no parent to change")
        }
        guard newParent.core.thread === thread else {
            throw GreenletError(
                .parentOnAnotherThread,
                "a greenlet and its parent must belong to the same thread")
        }
        // Every ancestor is kept alive by its child's `parent`, from `newParent` up, so the
        // walk holds unretained references: it runs at every hand-off in the hub.
        let me = Unmanaged.passUnretained(self).toOpaque()
        var ancestor: Unmanaged<GreenletCore>? = Unmanaged.passUnretained(newParent.core)
        while let candidate = ancestor {
            if candidate.toOpaque() == me {
                throw GreenletError(.parentCycle, "that parent would make the parent chain a cycle")
            }
            ancestor = candidate._withUnsafeGuaranteedRef { $0.parent.map { Unmanaged.passUnretained($0.core) } }
        }
        parent = newParent
    }

    /// The first ancestor that has not finished; a thread's main greenlet never finishes.
    var liveSelfOrAncestor: GreenletCore {
        liveSelfOrAncestorUnretained.takeUnretainedValue()
    }

    /// `liveSelfOrAncestor`, unretained: it lives as long as this greenlet does.
    var liveSelfOrAncestorUnretained: Unmanaged<GreenletCore> {
        // Each ancestor is kept alive by its child's `parent`: the walk holds no references.
        var target = Unmanaged.passUnretained(self)
        while let up = target._withUnsafeGuaranteedRef({ core in
            core.state == .dead ? core.parent.map { Unmanaged.passUnretained($0.core) } : nil
        }) {
            target = up
        }
        return target
    }

    // MARK: Stacks

    /// Lays out the first frame on a stack of this greenlet's kind.
    func prepareToStart() throws {
        switch stackMode {
        case .dedicated:
            context.pointee.stack = try thread.takeStack(usableBytes: stackSize)
            weave_context_prepare(context, &context.pointee.stack)
        case .compact:
            context.pointee.shared = try thread.sharedStack()
            weave_context_prepare(context, nil)
        }
        context.pointee.entry = greenletEntry
        context.pointee.entry_arg = Unmanaged.passUnretained(self).toOpaque()
        state = .started
    }

    /// Gives the stack back once the greenlet has finished (called on another stack).
    func releaseStack(recycle: Bool) {
        switch stackMode {
        case .dedicated:
            if context.pointee.stack.mapping != nil {
                if recycle {
                    thread.recycleStack(context.pointee.stack)
                } else {
                    weave_stack_unmap(&context.pointee.stack)
                }
                context.pointee.stack = weave_stack()
            }
        case .compact:
            weave_context_release_compact(context)
        }
    }
}

/// Where every greenlet starts, on its own stack. It never returns: the last thing a
/// greenlet does is leave its stack for its parent's.
private let greenletEntry: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = {
    argument, _ in
    let (from, to) = GreenletCore.runBodyToCompletion(Unmanaged.fromOpaque(argument!))
    weave_context_exit(from, to, nil)
}
