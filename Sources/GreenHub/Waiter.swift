/// One greenlet's wait on one thing — the building block of every blocking primitive.
///
/// A primitive that must block calls `Hub.wait(for:timeout:_:)`, which hands it a `Waiter`
/// to keep in its list of waiters, and parks the running greenlet. Whoever makes progress
/// possible calls `wake(throwing:)`; the greenlet then runs again, in its turn, from the
/// hub's ready queue. A waiter whose wait ended otherwise (a timeout, a kill) is no longer
/// `isWaiting`, and waking it does nothing, so a primitive may leave it in its list and skip
/// it later.
package final class Waiter {
    unowned let hub: Hub
    let record: GreenletRecord
    let what: () -> String
    var timer: HubTimer?
    /// Neighbours in the hub's list of waits in progress (for the deadlock report).
    var previous: Waiter?
    var next: Waiter?

    /// Whether the greenlet still waits here.
    package private(set) var isWaiting = true

    init(hub: Hub, record: GreenletRecord, what: @escaping () -> String) {
        self.hub = hub
        self.record = record
        self.what = what
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
    @discardableResult
    package func wake(throwing error: (any Error)? = nil) -> Bool {
        guard isWaiting else { return false }
        isWaiting = false
        hub.unlinkWaiting(self)
        if let timer {
            hub.cancelTimer(timer)
            self.timer = nil
        }
        if record.waiter === self {
            record.waiter = nil
        }
        record.resumeError = error
        hub.schedule(record)
        return true
    }
}
