import Greenlets

/// What the hub knows of one greenlet that uses it: its name, what it waits on, and the
/// error to raise in it when it resumes. Attached to the greenlet, so any greenlet —
/// spawned, main, or made by hand — can wait on the hub.
@usableFromInline
final class GreenletRecord {
    unowned(unsafe) let greenlet: Greenlet
    private let givenName: String?
    private let number: Int
    /// The name for diagnostics: the one given, or `GreenThread-N`.
    var name: String { givenName ?? "GreenThread-\(number)" }
    /// The wait it is parked in, if any. Not retained: its record holds the waiter, and
    /// the wait clears this when it ends.
    @exclusivity(unchecked) private var parkedIn: Unmanaged<Waiter>?
    /// The wait it is parked in, if any.
    var waiter: Waiter? {
        get { parkedIn?.takeUnretainedValue() }
        set { parkedIn = newValue.map { Unmanaged.passUnretained($0) } }
    }

    /// Forgets `waiter` if that is the wait it is parked in.
    @inline(__always)
    func leave(_ waiter: Waiter) {
        if parkedIn?.toOpaque() == Unmanaged.passUnretained(waiter).toOpaque() {
            parkedIn = nil
        }
    }
    /// The waiter of its last wait, kept for the next one.
    @exclusivity(unchecked) private var ownWaiter: Waiter?
    /// Raised in the greenlet when it resumes (a kill, a timeout, a deadlock report).
    @exclusivity(unchecked) var resumeError: (any Error)?
    /// A scoped timeout that fired while the greenlet was not parked; raised at its next wait.
    @exclusivity(unchecked) var pendingInterrupt: (any Error)?
    /// Whether it sits in the hub's ready queue, and that hub's.
    @exclusivity(unchecked) var isScheduled = false
    @exclusivity(unchecked) unowned(unsafe) var scheduledOn: Hub?
    /// The green thread a spawned greenlet runs, held here until its body starts (or it
    /// is killed before it starts): nothing else may keep it alive in between.
    var spawned: AnyGreenThread?

    init(greenlet: Greenlet, name: String?, number: Int = 0) {
        self.greenlet = greenlet
        givenName = name
        self.number = number
    }

    /// Runs `wait` with this greenlet's waiter for a new wait: the one of its last wait,
    /// unless a primitive or a timer still holds that one (a wait that timed out can stay
    /// in a primitive's list), then a fresh one. The record keeps it, so `wait` gets it
    /// unretained.
    @inline(__always)
    func withWaiterForNextWait<Result>(on hub: Hub, _ wait: (Waiter) throws -> Result) rethrows -> Result {
        if !isKnownUniquelyReferenced(&ownWaiter) {
            ownWaiter = Waiter(hub: hub, record: self)
        }
        return try Unmanaged.passUnretained(ownWaiter.unsafelyUnwrapped)._withUnsafeGuaranteedRef(wait)
    }

    deinit {
        // Its greenlet was killed while it was queued, and is gone: the ready queue,
        // which does not retain it, must not switch to it.
        if isScheduled, let hub = scheduledOn {
            hub.unschedule(self)
        }
    }

    /// Resumes its greenlet, handing it nothing (the hub's switch).
    @inline(__always)
    func switchTo() throws {
        try Unmanaged.passUnretained(greenlet)._withUnsafeGuaranteedRef { try $0.switchHandingNothing() }
    }

    /// Takes the error to raise at resumption, if any.
    @inline(__always)
    func takeResumeError() -> (any Error)? {
        guard let error = resumeError else { return nil }
        resumeError = nil
        return error
    }
}
