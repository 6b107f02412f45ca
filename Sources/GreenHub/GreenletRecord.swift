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
    /// The wait it is parked in, if any.
    @exclusivity(unchecked) var waiter: Waiter?
    /// Raised in the greenlet when it resumes (a kill, a timeout, a deadlock report).
    @exclusivity(unchecked) var resumeError: (any Error)?
    /// A scoped timeout that fired while the greenlet was not parked; raised at its next wait.
    @exclusivity(unchecked) var pendingInterrupt: (any Error)?
    /// Whether it sits in the hub's ready queue.
    @exclusivity(unchecked) var isScheduled = false
    /// The green thread a spawned greenlet runs, held here until its body starts (or it
    /// is killed before it starts): nothing else may keep it alive in between.
    var spawned: AnyGreenThread?

    init(greenlet: Greenlet, name: String?, number: Int = 0) {
        self.greenlet = greenlet
        givenName = name
        self.number = number
    }

    /// Takes the error to raise at resumption, if any.
    @inline(__always)
    func takeResumeError() -> (any Error)? {
        guard let error = resumeError else { return nil }
        resumeError = nil
        return error
    }
}
