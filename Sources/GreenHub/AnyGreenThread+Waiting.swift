import Greenlets

// What the hub keeps for each greenlet that uses it — its name, what it waits on, the
// error to raise in it when it resumes — lives in its green thread: the one it was spawned
// as, or, for the main greenlet, the hub's own and greenlets made by hand, one the hub
// adopts on their first wait (`Hub.runningRecord`). It is the greenlet's attachment, so
// the hub finds it from the running greenlet without a lookup.
extension AnyGreenThread {
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

    /// Runs `wait` with this greenlet's waiter for a new wait: the one of its last wait,
    /// unless a primitive or a timer still holds that one (a wait that timed out can stay
    /// in a primitive's list), then a fresh one. The green thread keeps it, so `wait` gets
    /// it unretained.
    @inline(__always)
    func withWaiterForNextWait<Result>(_ wait: (Waiter) throws -> Result) rethrows -> Result {
        if !isKnownUniquelyReferenced(&ownWaiter) {
            ownWaiter = Waiter(hub: hub, record: self)
        }
        return try Unmanaged.passUnretained(ownWaiter.unsafelyUnwrapped)._withUnsafeGuaranteedRef(wait)
    }

    /// Resumes its greenlet, handing it nothing (the hub's switch).
    @inline(__always)
    func switchTo() throws {
        try runnableGreenlet._withUnsafeGuaranteedRef { try $0.switchHandingNothing() }
    }

    /// Takes the error to raise at resumption, if any.
    @inline(__always)
    func takeResumeError() -> (any Error)? {
        guard let error = resumeError else { return nil }
        resumeError = nil
        return error
    }
}
