/// One greenlet's wait on one thing — the building block of every blocking primitive.
///
/// A primitive that must block calls `Hub.wait(for:timeout:_:)`, which hands it a `Waiter`
/// to keep in its list of waiters, and parks the running greenlet. Whoever makes progress
/// possible calls `wake(throwing:)`; the greenlet then runs again, in its turn, from the
/// hub's ready queue. A waiter whose wait ended otherwise (a timeout, a kill) is no longer
/// `isWaiting`, and waking it does nothing, so a primitive may leave it in its list and skip
/// it later.
@usableFromInline
package final class Waiter {
    /// Its hub, which outlives every wait on it (a hub lives as long as its thread).
    unowned(unsafe) let hub: Hub
    /// The waiting greenlet's record, which keeps this waiter for its next wait. Not
    /// retained: nothing reads it once the wait is over (`isWaiting` is checked first).
    unowned(unsafe) let record: AnyGreenThread
    /// What the greenlet waits on, described only if a deadlock report needs it: by a
    /// closure, or by the primitive itself (which costs no allocation per wait). The
    /// primitive is not retained: the waiting call holds it until the wait is over.
    private var describe: (() -> String)?
    unowned(unsafe) private var subject: (any WaitDescribing)?
    private var detail: UInt8 = 0
    @exclusivity(unchecked) var timer: HubTimer?
    /// Neighbours in the hub's list of waits in progress (for the deadlock report). Not
    /// retained: a waiter leaves the list when its wait ends, and before it goes away.
    @exclusivity(unchecked) var previous: Unmanaged<Waiter>?
    @exclusivity(unchecked) var next: Unmanaged<Waiter>?
    @exclusivity(unchecked) var isLinked = false

    /// Whether the greenlet still waits here.
    @usableFromInline @exclusivity(unchecked) package private(set) var isWaiting = false

    init(hub: Hub, record: AnyGreenThread) {
        self.hub = hub
        self.record = record
    }

    /// Starts a wait on what `what` or `subject` describes.
    @inline(__always)
    func begin(what: (() -> String)?, subject: (any WaitDescribing)?, detail: UInt8) {
        if let what {
            describe = what
        }
        self.subject = subject
        self.detail = detail
        isWaiting = true
    }

    /// Lets go of the description closure of a wait that is over.
    func forgetDescription() {
        describe = nil
    }

    /// What the greenlet waits on, for the deadlock report (asked while it waits).
    var what: String {
        describe?() ?? subject?.describeWait(detail) ?? "a timer"
    }

    deinit {
        hub.unlinkWaiting(self)
    }

    /// Ends the wait with no resumption (used when the greenlet was resumed otherwise).
    func markEnded() {
        isWaiting = false
        hub.unlinkWaiting(self)
    }

    /// The name of the waiting greenlet, for diagnostics.
    package var waiterName: String { record.name }

    /// Ends the wait: the greenlet resumes from `Hub.wait`, which throws `error` if given.
    ///
    /// Call it on the hub's thread. Returns `false`, doing nothing, if the wait already
    /// ended.
    @usableFromInline @discardableResult
    package func wake(throwing error: (any Error)? = nil) -> Bool {
        guard isWaiting else { return false }
        isWaiting = false
        Unmanaged.passUnretained(hub)._withUnsafeGuaranteedRef { hub in
            hub.unlinkWaiting(self)
            if let timer {
                hub.cancelTimer(timer)
                self.timer = nil
            }
            Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef { record in
                record.leave(self)
                if let error {
                    record.resumeError = error
                }
                hub.schedule(record)
            }
        }
        return true
    }
}

/// A primitive that describes a wait on it when a deadlock report asks (a queue: "get;
/// empty, 2 getters waiting"), so that waiting on it allocates no description closure.
@usableFromInline
package protocol WaitDescribing: AnyObject {
    /// The report line for a wait of kind `detail` (the primitive's own code).
    func describeWait(_ detail: UInt8) -> String
}
