import CWeaveContext

extension Transfer {
    /// The value of a switch a greenlet makes to itself.
    consuming func deliveredInPlace() throws -> Any? {
        switch self {
        case .empty: return nil
        case .value(let value): return value
        case .error(let error): throw error
        }
    }
}

extension GreenletCore {
    enum SwitchKind {
        case `switch`, `throw`
    }

    /// Suspends the thread's running greenlet and resumes this one (or, if it is dead, its
    /// first live ancestor) with `transfer`.
    @inline(__always)
    func resume(with transfer: consuming Transfer, kind: SwitchKind) throws -> Any? {
        guard weave_thread_state_get() == threadToken else {
            throw GreenletError(
                .wrongThread,
                "\(handleDescription) belongs to another thread; a greenlet can only be switched to on the thread that created it")
        }
        let hot = self.hot
        guard state == .started, !hot.pointee.isTracing,
            !hot.pointee.hasPendingKills.load(ordering: .relaxed)
        else {
            return try resumeWithBookkeeping(with: transfer, kind: kind)
        }
        let origin = hot.pointee.current.context
        if origin == context {
            return try transfer.deliveredInPlace()
        }
        hot.pointee.transfer.initialize(to: transfer)
        hot.pointee.current = self
        weave_context_switch(origin, context, nil)
        return try GreenletThread.takeTransferAfterResuming(hot)
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
            _ = try resumeWithBookkeeping(with: .empty, kind: .switch)
            return
        }
        let origin = hot.pointee.current.context
        if origin == context { return }
        hot.pointee.transfer.initialize(to: .empty)
        hot.pointee.current = self
        weave_context_switch(origin, context, nil)
        try GreenletThread.takeErrorAfterResuming(hot)
    }

    /// The switch for everything but the common case: pending kills, tracing, a target
    /// that is dead or has not started yet.
    @inline(never)
    private func resumeWithBookkeeping(with transfer: consuming Transfer, kind: SwitchKind) throws -> Any? {
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
            return try transfer.deliveredInPlace()
        }
        let targetContext = try target._withUnsafeGuaranteedRef { target in
            if target.state == .unstarted {
                try target.prepareToStart()
            }
            return target.context
        }
        hot.pointee.transfer.initialize(to: transfer)
        hot.pointee.current = target.takeUnretainedValue()
        weave_context_switch(origin._withUnsafeGuaranteedRef { $0.context }, targetContext, nil)
        return try GreenletThread.takeTransferAfterResuming(hot)
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
            let argument = try thread.takeTransferAfterResuming()
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
        hot.pointee.transfer.initialize(to: outcome)
        hot.pointee.retiring = core
        hot.pointee.current = target
        return (core.context, target.context)
    }

    /// Called when the last public reference goes away: a suspended greenlet gets a
    /// `GreenletExit` so that its cleanups run (on its own thread, now or at that thread's
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

    /// Throws `GreenletExit` into this suspended greenlet with the running greenlet as its
    /// parent, so that control comes back here when it finishes.
    func kill() {
        guard state == .started, thread.currentCore !== self else { return }
        parent = thread.currentCore.handleObject()
        do {
            _ = try resume(with: .error(GreenletExit()), kind: .throw)
        } catch {
            thread.reportIgnored(error, whileKilling: self)
        }
    }

    var handleDescription: String {
        "greenlet '\(name ?? (isMain ? "main" : "unnamed"))'"
    }
}
