import HeapModule
import NIOCore

/// A deadline and what to do then. Cancelled timers stay in the heap, marked, and are
/// skipped when they come up.
final class HubTimer {
    /// What a timer does when it fires. Waking a waiter, the common case (every sleep and
    /// every wait with a timeout), needs no closure and so no allocation of its own.
    enum Action {
        /// Fired or cancelled.
        case none
        case run(() -> Void)
        /// Ends the wait normally (a sleep).
        case wake(Waiter)
        /// Ends the wait with a ``GreenTimeoutError`` for `seconds`.
        case expire(Waiter, seconds: Double)
    }

    let deadline: UInt64
    @exclusivity(unchecked) var action: Action

    init(deadline: UInt64, action: Action) {
        self.deadline = deadline
        self.action = action
    }

    /// Whether it has neither fired nor been cancelled.
    var isPending: Bool {
        if case .none = action { return false }
        return true
    }

    /// Takes the action out, leaving the timer spent, and performs it.
    func fire() {
        let action = self.action
        self.action = .none
        switch action {
        case .none: break
        case .run(let body): body()
        case .wake(let waiter): waiter.wake()
        case .expire(let waiter, let seconds): waiter.wake(throwing: GreenTimeoutError(seconds: seconds))
        }
    }

    /// A heap entry: ordered by deadline, then by creation.
    struct Slot: Comparable {
        let deadline: UInt64
        let sequence: UInt64
        let timer: HubTimer

        static func < (lhs: Slot, rhs: Slot) -> Bool {
            (lhs.deadline, lhs.sequence) < (rhs.deadline, rhs.sequence)
        }

        static func == (lhs: Slot, rhs: Slot) -> Bool {
            lhs.deadline == rhs.deadline && lhs.sequence == rhs.sequence
        }
    }
}

/// Fires the hub's earliest timer: one NIO scheduled callback stands for the whole heap.
private struct HubTimerCallback: NIOScheduledCallbackHandler {
    unowned let hub: Hub

    func handleScheduledCallback(eventLoop: some EventLoop) {
        hub.armedCallback = nil
        hub.armedDeadline = .max
        hub.runReady()
    }
}

extension Hub {
    /// Monotonic time in nanoseconds, on the event loop's clock.
    static func now() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }

    /// Runs `action` on the hub after `seconds`; cancel with `cancelTimer(_:)`.
    @discardableResult
    func scheduleTimer(after seconds: Double, _ action: @escaping () -> Void) -> HubTimer {
        scheduleTimer(after: seconds, .run(action))
    }

    /// Performs `action` on the hub after `seconds`; cancel with `cancelTimer(_:)`.
    func scheduleTimer(after seconds: Double, _ action: HubTimer.Action) -> HubTimer {
        let delay = seconds <= 0 ? 0 : UInt64(min(seconds, 1e9) * 1e9)
        let timer = HubTimer(deadline: Hub.now() &+ delay, action: action)
        timerSequence &+= 1
        timers.insert(HubTimer.Slot(deadline: timer.deadline, sequence: timerSequence, timer: timer))
        activeTimers += 1
        if timer.deadline < armedDeadline {
            arm(at: timer.deadline)
        }
        return timer
    }

    /// Stops `timer` from firing; does nothing if it fired or was cancelled already.
    func cancelTimer(_ timer: HubTimer) {
        guard timer.isPending else { return }
        timer.action = .none
        activeTimers -= 1
    }

    /// Runs the actions of every timer that is due, then re-arms for the next one.
    ///
    /// The greenlets they wake run first, in deadline order, ahead of the greenlets that
    /// were ready already (a burst of spawns, say), as a libev timer switches to its
    /// greenlet at once in gevent: a sleep is late by one batch at most, not by the
    /// whole ready queue.
    func fireDueTimers() {
        guard !timers.isEmpty else { return }
        let now = Hub.now()
        let readyBefore = scheduling.pointee.ready.count
        while let first = timers.min, first.deadline <= now {
            let slot = timers.removeMin()
            if slot.timer.isPending {
                activeTimers -= 1
                slot.timer.fire()
            }
        }
        let woken = scheduling.pointee.ready.count - readyBefore
        if woken > 0, readyBefore > 0 {
            let wokenRecords = scheduling.pointee.ready.suffix(woken)
            scheduling.pointee.ready.removeLast(woken)
            scheduling.pointee.ready.prepend(contentsOf: wokenRecords)
        }
        while let first = timers.min, !first.timer.isPending {
            timers.removeMin()
        }
        if let first = timers.min, first.deadline < armedDeadline {
            arm(at: first.deadline)
        }
    }

    private func arm(at deadline: UInt64) {
        guard let loop = eventLoop else { return }
        if let armedCallback {
            loop.assumeIsolated().cancelScheduledCallback(armedCallback)
        }
        armedDeadline = deadline
        armedCallback = try? loop.assumeIsolated().scheduleCallback(
            at: .uptimeNanoseconds(deadline), handler: HubTimerCallback(hub: self))
    }
}
