import Greenlets
import WeaveDurations

/// A spawned green thread, whatever its result type — what ``Green/joinAll(_:timeout:raiseError:)-(_,Double?,_)``,
/// ``Green/killAll(_:error:wait:timeout:)-(_,_,_,Double?)`` and
/// ``Green/completed(_:timeout:)-(_,Double?)`` take. gevent's `Greenlet`.
///
/// Use it only on the thread whose hub spawned it; from another thread, go through a
/// ``HubRemote``.
public class AnyGreenThread: WaitDescribing {
    enum Phase {
        case pending, running, finished
    }

    // The state below is the hub thread's alone and no access to it spans a switch, so
    // it skips the runtime's dynamic exclusivity checks.
    @usableFromInline let hub: Hub
    /// The greenlet it runs on, unretained: a spawned green thread's greenlet is kept by
    /// `spawnedGreenlet`, and made only when it first runs (`runnableGreenlet`), so a
    /// green thread waiting for its turn costs one object; a greenlet the hub adopted
    /// lives as its owner decides.
    @exclusivity(unchecked) private var greenletReference: Unmanaged<Greenlet>?
    @exclusivity(unchecked) private var spawnedGreenlet: Greenlet?
    /// Keeps a spawned green thread alive from its spawn until its greenlet is made (which
    /// then keeps it until it finishes) or it is killed: a green thread nobody holds
    /// still runs to its end.
    @exclusivity(unchecked) private var pendingHold: Unmanaged<AnyGreenThread>?
    private let stackMode: Greenlet.StackMode?
    @exclusivity(unchecked) var phase = Phase.pending
    @exclusivity(unchecked) var didStart = false
    @usableFromInline @exclusivity(unchecked) final var failure: (any Error)?
    /// What the body returned, boxed: ``GreenThread`` reads it back as its `Value`. Kept
    /// here rather than as a `Value?` in the subclass, whose every store and destruction
    /// would look up `Optional<Value>`'s metadata at run time.
    @usableFromInline @exclusivity(unchecked) final var outcome: Any?
    @exclusivity(unchecked) var wasKilled = false
    /// The first greenlet to join, then any others.
    @exclusivity(unchecked) var joiner: Waiter?
    @exclusivity(unchecked) var joiners: [Waiter] = []
    /// The first link, then any others (most green threads have one: a join or a group).
    @exclusivity(unchecked) var firstLink: Link?
    @exclusivity(unchecked) var links: [Link] = []

    /// What a finished green thread tells: a callback (`link`), or a ``Green/completed(_:timeout:)-(_,Double?)``
    /// sequence, which needs no closure (and so no allocation) per green thread.
    enum Link {
        case callback((AnyGreenThread) -> Void)
        case completion(CompletionInbox)

        func fire(_ thread: AnyGreenThread) {
            switch self {
            case .callback(let callback): callback(thread)
            case .completion(let inbox): inbox.deliver(thread)
            }
        }
    }

    // What the hub keeps for the greenlet's waits (see AnyGreenThread+Waiting.swift).

    /// The wait it is parked in, if any. Not retained: `ownWaiter` holds the waiter, and
    /// the wait clears this when it ends.
    @exclusivity(unchecked) var parkedIn: Unmanaged<Waiter>?
    /// The waiter of its last wait, kept for the next one.
    @exclusivity(unchecked) var ownWaiter: Waiter?
    /// Raised in the greenlet when it resumes (a kill, a timeout, a deadlock report).
    @exclusivity(unchecked) var resumeError: (any Error)?
    /// A scoped timeout that fired while the greenlet was not parked; raised at its next wait.
    @exclusivity(unchecked) var pendingInterrupt: (any Error)?
    /// Whether it sits in the hub's ready queue.
    @exclusivity(unchecked) var isScheduled = false

    private let givenName: String?
    private let number: Int

    /// The name given at spawn, or `GreenThread-N`.
    public final var name: String { givenName ?? "GreenThread-\(number)" }

    /// A green thread on a new greenlet, which runs `runBody()` once scheduled.
    @usableFromInline
    init(hub: Hub, name: String?, stackMode: Greenlet.StackMode?) {
        self.hub = hub
        hub.nameSequence += 1
        hub.greenThreadsSpawned &+= 1
        number = hub.nameSequence
        givenName = name
        self.stackMode = stackMode
        pendingHold = Unmanaged.passRetained(self)
    }

    /// The hub's state for a greenlet it did not spawn (the main greenlet, the hub's own,
    /// one made by hand), made on its first wait.
    init(adopting greenlet: Greenlet, hub: Hub, name: String) {
        self.hub = hub
        greenletReference = Unmanaged.passUnretained(greenlet)
        stackMode = nil
        givenName = name
        number = 0
        phase = .running
        didStart = true
        greenlet.attachment = self
    }

    deinit {
        // Its greenlet was killed while it was queued, and is gone: the ready queue,
        // which does not retain it, must not switch to it.
        if isScheduled {
            hub.unschedule(self)
        }
    }

    /// Runs the body and keeps its result; ``GreenThread`` provides it.
    func runBody() throws {
        preconditionFailure("AnyGreenThread has no body of its own; spawn a GreenThread")
    }

    private func run() {
        phase = .running
        didStart = true
        do {
            try runBody()
        } catch is GreenletExit {
            wasKilled = true
        } catch {
            failure = error
        }
        finish()
    }

    /// Its greenlet, made (for a spawned green thread) on its first turn.
    @inline(__always)
    var runnableGreenlet: Unmanaged<Greenlet> {
        greenletReference ?? makeGreenlet()
    }

    @inline(never)
    private func makeGreenlet() -> Unmanaged<Greenlet> {
        // Its parent is the hub: a finished green thread hands control back to the hub.
        // The body captures nothing, so it costs no allocation: the green thread is the
        // greenlet's attachment.
        let greenlet = Greenlet(childOf: hub.hubGreenlet, name: givenName, stackMode: stackMode) { _ in
            guard let token = Greenlet.currentAttachmentToken else { return nil }
            Unmanaged<AnyGreenThread>.fromOpaque(token)._withUnsafeGuaranteedRef { thread in
                thread.run()
                thread.handOffToNextReady()
            }
            return nil
        }
        let reference = Unmanaged.passUnretained(greenlet)
        greenletReference = reference
        // From now until it finishes, its greenlet keeps it.
        greenlet.attachment = self
        spawnedGreenlet = greenlet
        pendingHold.take()?.release()
        return reference
    }

    /// A finished green thread's greenlet returns to its parent: make that the next ready
    /// greenlet, so that control goes there directly instead of through the hub.
    private func handOffToNextReady() {
        guard hub.scheduling.pointee.budget > 0, let next = hub.popReady() else { return }
        hub.scheduling.pointee.budget -= 1
        next._withUnsafeGuaranteedRef { next in
            hub.monitor?.beat(running: next)
            do {
                try runnableGreenlet._withUnsafeGuaranteedRef { greenlet in
                    try next.runnableGreenlet._withUnsafeGuaranteedRef { try greenlet.setParent($0) }
                }
            } catch {
                hub.schedule(next)
            }
        }
    }

    /// Records the end, wakes the joiners and runs the links.
    func finish() {
        phase = .finished
        hub.greenThreadsFinished &+= 1
        if let waiter = joiner {
            joiner = nil
            waiter.wake()
        }
        if !joiners.isEmpty {
            let waiting = joiners
            joiners.removeAll()
            for waiter in waiting {
                waiter.wake()
            }
        }
        if let link = firstLink {
            firstLink = nil
            link.fire(self)
        }
        if !links.isEmpty {
            let later = links
            links.removeAll()
            for link in later {
                link.fire(self)
            }
        }
    }

    // MARK: State

    /// Whether the green thread has finished (returned, thrown, or been killed) — `ready()`.
    public final var isReady: Bool { phase == .finished }

    /// Whether it finished without an error (a kill counts as success, as in gevent) —
    /// `successful()`.
    public final var isSuccessful: Bool { phase == .finished && failure == nil }

    /// The error its body threw, if any — `exception`.
    public final var error: (any Error)? { failure }

    /// Whether its body has started running.
    public final var hasStarted: Bool { didStart }

    // MARK: Joining

    /// Waits until the green thread finishes — `join(timeout)`.
    ///
    /// - Parameter timeout: Seconds to wait at most; `nil` waits for ever.
    /// - Returns: Whether it has finished (`false` when the timeout ran out first).
    @DurationOverload
    @discardableResult
    public final func join(timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        if phase == .finished { return true }
        do {
            try hub.wait(on: self, detail: 0, timeout: timeout) { waiter in
                if joiner == nil || joiner?.isWaiting == false {
                    joiner = waiter
                } else {
                    joiners.append(waiter)
                }
            }
        } catch let expiry as GreenTimeoutError where expiry.scope == 0 && timeout != nil {
            return false
        }
        return true
    }

    // MARK: Killing

    /// Raises `error` in the green thread at its current wait so that it finishes —
    /// `kill(exception, block, timeout)`.
    ///
    /// A green thread that has not started never runs. By default it raises
    /// ``/Greenlets/GreenletExit``, which counts as a normal end.
    /// - Parameters:
    ///   - error: What to raise in it.
    ///   - wait: Whether to wait until it has finished.
    ///   - timeout: With `wait`, seconds to wait at most.
    /// - Returns: Whether it has finished.
    @DurationOverload
    @discardableResult
    public final func kill(_ error: any Error = GreenletExit(), wait: Bool = true, timeout: Double? = nil) throws -> Bool {
        try hub.checkThread()
        switch phase {
        case .finished:
            return true
        case .pending:
            phase = .finished
            if error is GreenletExit {
                wasKilled = true
            } else {
                failure = error
            }
            hub.unschedule(self)
            finish()
            // It never runs: nothing needs to keep it any more.
            pendingHold.take()?.release()
            return true
        case .running:
            if hub.runningRecord === self {
                throw error
            }
            hub.interrupt(self, with: error)
            return wait ? try join(timeout: timeout) : false
        }
    }

    /// "green thread 'fetch' to finish (join)", for the deadlock report.
    @usableFromInline package func describeWait(_ detail: UInt8) -> String {
        "green thread '\(name)' to finish (join)"
    }

    // MARK: Links

    /// Calls `callback` once the green thread finishes, in the finished green thread —
    /// `link(callback)`. If it has finished already, `callback` runs now.
    public final func link(_ callback: @escaping (AnyGreenThread) -> Void) {
        add(.callback(callback))
    }

    /// Fires `link` once the green thread finishes, or now if it has.
    func add(_ link: Link) {
        if phase == .finished {
            link.fire(self)
        } else if firstLink == nil && links.isEmpty {
            firstLink = link
        } else {
            links.append(link)
        }
    }

    /// Like `link(_:)`, for a successful end only — `link_value`.
    public final func linkValue(_ callback: @escaping (AnyGreenThread) -> Void) {
        link { thread in
            if thread.isSuccessful { callback(thread) }
        }
    }

    /// Like `link(_:)`, for an end by error only — `link_exception`.
    public final func linkError(_ callback: @escaping (AnyGreenThread) -> Void) {
        link { thread in
            if !thread.isSuccessful { callback(thread) }
        }
    }
}

/// A spawned green thread whose body returns a `Value` — `gevent.Greenlet`.
///
/// ```swift
/// let answer = Green.spawn { () -> Int in
///     try Green.sleep(0.1)
///     return 42
/// }
/// print(try answer.get())   // 42
/// ```
public final class GreenThread<Value>: AnyGreenThread {
    private var body: (() throws -> Value)?

    @usableFromInline
    init(hub: Hub, name: String?, stackMode: Greenlet.StackMode?, body: @escaping () throws -> Value) {
        self.body = body
        super.init(hub: hub, name: name, stackMode: stackMode)
    }

    override func runBody() throws {
        guard let body else { return }
        self.body = nil
        outcome = try body()
    }

    /// What the body returned, once it has (`nil` before, or after an error or a kill) —
    /// `value`.
    @inlinable public var value: Value? { outcome.map { $0 as! Value } }

    /// Waits for the body's result — `get(block=True, timeout)`.
    ///
    /// - Throws: The error the body threw; ``/Greenlets/GreenletExit`` if it was killed;
    ///   ``GreenTimeoutError`` if `timeout` runs out first.
    @DurationOverload
    @inlinable
    public func get(timeout: Double? = nil) throws -> Value {
        if !(try join(timeout: timeout)) {
            throw GreenTimeoutError(seconds: timeout ?? 0)
        }
        if let failure { throw failure }
        guard let outcome else { throw GreenletExit() }
        return outcome as! Value
    }
}
