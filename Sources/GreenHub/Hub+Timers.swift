import HeapModule
import NIOCore

/// A deadline and what to do then. Cancelled timers stay in the heap, marked, and are
/// skipped when they come up.
final class HubTimer {
    let deadline: UInt64
    var action: (() -> Void)?

    init(deadline: UInt64, action: @escaping () -> Void) {
        self.deadline = deadline
        self.action = action
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
        guard timer.action != nil else { return }
        timer.action = nil
        activeTimers -= 1
    }

    /// Runs the actions of every timer that is due, then re-arms for the next one.
    func fireDueTimers() {
        guard !timers.isEmpty else { return }
        let now = Hub.now()
        while let first = timers.min, first.deadline <= now {
            let slot = timers.removeMin()
            if let action = slot.timer.action {
                slot.timer.action = nil
                activeTimers -= 1
                action()
            }
        }
        while let first = timers.min, first.timer.action == nil {
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
