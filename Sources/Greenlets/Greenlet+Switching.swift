import CWeaveContext

extension Transfer {
    /// A switch a greenlet makes to itself: what it hands over arrives at once.
    /// - Returns: Whether a value arrived (see `GreenletCore.resume(with:kind:)`).
    consuming func postInPlace(_ hot: UnsafeMutablePointer<GreenletThread.Hot>) throws -> Bool {
        switch consume self {
        case .empty:
            return false
        case .value(let value):
            GreenletThread.post(value: value, hot)
            return true
        case .error(let error):
            throw error
        }
    }
}

extension GreenletCore {
    enum SwitchKind {
        case `switch`, `throw`
    }

    /// Suspends the thread's running greenlet and resumes this one (or, if it is dead, its
    /// first live ancestor) with `transfer`.
    ///
    /// - Returns: Whether a value arrived when the caller was resumed. It waits in the
    ///   thread's slot: take it with `GreenletThread.takeArrivedValue(_:)` before the next
    ///   switch. A switch that hands nothing back returns `false` and no `Any?` is made.
    @inline(__always)
    func resume(with transfer: consuming Transfer, kind: SwitchKind) throws -> Bool {
        guard let hot = try directSwitchState() else {
            return try resumeWithBookkeeping(with: transfer, kind: kind)
        }
        let origin = hot.pointee.current.context
        if origin == context {
            return try transfer.postInPlace(hot)
        }
        GreenletThread.post(transfer, hot)
        return try jump(from: origin, hot)
    }

    /// `resume(with: .value(value), kind: .switch)` with the value moved straight into its
    /// slot (through `Transfer`, it would be copied and destroyed on the way).
    @inline(__always)
    func resume(handing value: consuming Any?) throws -> Bool {
        guard let hot = try directSwitchState() else {
            return try resumeWithBookkeeping(with: .value(value), kind: .switch)
        }
        GreenletThread.post(value: value, hot)
        let origin = hot.pointee.current.context
        if origin == context {
            return hot.pointee.pending == .value
        }
        return try jump(from: origin, hot)
    }

    /// The thread's switch state if this greenlet can be switched to directly (it has
    /// started and not finished, no tracer is installed, no kill is pending), else `nil`.
    /// - Throws: ``GreenletError`` with code `wrongThread` on any thread but its own.
    @inline(__always)
    private func directSwitchState() throws -> UnsafeMutablePointer<GreenletThread.Hot>? {
        guard weave_thread_state_get() == threadToken else {
            throw GreenletError(
                .wrongThread,
                "\(handleDescription) belongs to another thread; a greenlet can only be switched to on the thread that created it")
        }
        let hot = self.hot
        guard state == .started, !hot.pointee.isTracing,
            !hot.pointee.hasPendingKills.load(ordering: .relaxed)
        else { return nil }
        return hot
    }

    /// Makes this greenlet the running one and jumps to it from `origin`.
    /// - Returns: Whether a value arrived when the caller was resumed.
    @inline(__always)
    private func jump(from origin: UnsafeMutablePointer<weave_context>, _ hot: UnsafeMutablePointer<GreenletThread.Hot>) throws -> Bool {
        hot.pointee.current = self
        weave_context_switch(origin, context, nil)
        return try GreenletThread.arrivalAfterResuming(hot)
    }

    /// Switches to this started, live greenlet of the calling thread handing over nothing,
    /// and returns when something switches back; throws only an error thrown into the
    /// caller. The hub's path: no value crosses, so no `Any?` is made or destroyed.
    @inline(__always)
    func resumeHandingNothing() throws {
        let hot = self.hot
        guard state == .started, !hot.pointee.isTracing,
            !hot.pointee.hasPendingKills.load(ordering: .relaxed)
        else {
            if try resumeWithBookkeeping(with: .empty, kind: .switch) {
                GreenletThread.discardArrivedValue(hot)
            }
            return
        }
        let origin = hot.pointee.current.context
        if origin == context { return }
        hot.pointee.pending = .nothing
        if try jump(from: origin, hot) {
            GreenletThread.discardArrivedValue(hot)
        }
    }

    /// The switch for everything but the common case: pending kills, tracing, a target
    /// that is dead or has not started yet.
    @inline(never)
    private func resumeWithBookkeeping(with transfer: consuming Transfer, kind: SwitchKind) throws -> Bool {
        if hot.pointee.hasPendingKills.load(ordering: .acquiring) {
            thread.killPendingGreenlets()
        }
        // The running greenlet and this one's live ancestor are kept alive by their own
        // frames and by this greenlet's parent chain: no references are taken.
        let origin = Unmanaged.passUnretained(hot.pointee.current)
        let target = liveSelfOrAncestorUnretained
        if hot.pointee.isTracing, let tracer = thread.tracer {
            tracer(
                GreenletTraceEvent(
                    kind: kind, origin: origin.takeUnretainedValue().handleObject(),
                    target: target.takeUnretainedValue().handleObject()))
        }
        if target.toOpaque() == origin.toOpaque() {
            return try transfer.postInPlace(hot)
        }
        let targetContext = try target._withUnsafeGuaranteedRef { target in
            if target.state == .unstarted {
                try target.prepareToStart()
            }
            return target.context
        }
        GreenletThread.post(transfer, hot)
        hot.pointee.current = target.takeUnretainedValue()
        weave_context_switch(origin._withUnsafeGuaranteedRef { $0.context }, targetContext, nil)
        return try GreenletThread.arrivalAfterResuming(hot)
    }

    /// Runs the body of the greenlet starting on the current stack, then hands its outcome
    /// to its first live ancestor. Returns the contexts to leave and to enter; no Swift
    /// reference stays on the dying stack.
    @inline(never)
    static func runBodyToCompletion(
        _ unmanaged: Unmanaged<GreenletCore>
    ) -> (UnsafeMutablePointer<weave_context>, UnsafeMutablePointer<weave_context>) {
        // This frame holds the core (its handle may go away while the body runs); the
        // core holds its thread's runtime, which is used without a reference of its own.
        let core = unmanaged.takeUnretainedValue()
        return Unmanaged.passUnretained(core.thread)._withUnsafeGuaranteedRef { thread in
            finish(core, on: thread)
        }
    }

    @inline(__always)
    private static func finish(
        _ core: GreenletCore, on thread: GreenletThread
    ) -> (UnsafeMutablePointer<weave_context>, UnsafeMutablePointer<weave_context>) {
        var outcome: Transfer
        do {
            let argument = try GreenletThread.arrivalAfterResuming(thread.hot) ? GreenletThread.takeArrivedValue(thread.hot) : nil
            let body = core.body!
            outcome = .value(try body(argument))
        } catch let exit as GreenletExit {
            outcome = .value(exit.value)
        } catch {
            outcome = .error(error)
        }
        core.body = nil
        core.attachment = nil
        core.state = .dead
        core.locals = nil

        var target = core.liveSelfOrAncestor
        while target.state == .unstarted {
            do {
                try target.prepareToStart()
            } catch {
                // No stack for the parent that would receive the result: it dies with the
                // allocation error, which goes further up.
                target.state = .dead
                target.body = nil
                outcome = .error(error)
                target = target.liveSelfOrAncestor
            }
        }
        let hot = core.hot
        if hot.pointee.isTracing, let tracer = thread.tracer {
            tracer(GreenletTraceEvent(kind: .switch, origin: core.handleObject(), target: target.handleObject()))
        }
        GreenletThread.post(outcome, hot)
        hot.pointee.retiring = core
        hot.pointee.current = target
        return (core.context, target.context)
    }

    /// Called when the last public reference goes away: a suspended greenlet gets a
    /// ``GreenletExit`` so that its cleanups run (on its own thread, now or at that thread's
    /// next switch).
    func handleReleased() {
        handle = nil
        guard state == .started, !isMain else { return }
        guard weave_thread_state_get() == threadToken else {
            thread.scheduleKill(self)
            return
        }
        kill()
    }

    /// Throws ``GreenletExit`` into this suspended greenlet with the running greenlet as its
    /// parent, so that control comes back here when it finishes.
    func kill() {
        guard state == .started, thread.currentCore !== self else { return }
        parent = thread.currentCore.handleObject()
        do {
            if try resume(with: .error(GreenletExit()), kind: .throw) {
                GreenletThread.discardArrivedValue(hot)
            }
        } catch {
            thread.reportIgnored(error, whileKilling: self)
        }
    }

    var handleDescription: String {
        "greenlet '\(name ?? (isMain ? "main" : "unnamed"))'"
    }
}
