import GreenHub

/// A one-greenlet wake-up between the event loop and green code, on the hub's thread.
///
/// The greenlet parks in the hub's `wait`; the event loop side calls `signal()` when
/// something happens. Whatever owns the signal (a socket, a listener, a client) holds a
/// ``GreenWakeSource`` while open, so the hub's deadlock check knows the wait can end.
final class GreenSignal {
    private var waiter: Waiter?

    /// Waits in the running greenlet until `signal()`, after running `request` (which may
    /// signal at once), or until the deadline.
    ///
    /// - Parameter what: What the greenlet waits on, for the hub's deadlock report.
    func wait(for what: @escaping @autoclosure () -> String, until deadline: GreenDeadline, after request: () -> Void) throws {
        defer { waiter = nil }
        try Hub.current.wait(for: what(), timeout: deadline.remaining()) { waiter in
            self.waiter = waiter
            request()
        }
    }

    /// `wait(for:until:after:)` for a wait that `subject` describes (with `detail`) if a
    /// deadlock report asks: no description is made, and nothing allocated, per wait.
    func wait(on subject: any WaitDescribing, detail: UInt8, until deadline: GreenDeadline, after request: () -> Void) throws {
        defer { waiter = nil }
        let timeout = try deadline.remaining()
        try Hub.withCurrent { hub in
            try hub.wait(on: subject, detail: detail, timeout: timeout) { waiter in
                self.waiter = waiter
                request()
            }
        }
    }

    /// Whether a greenlet waits on it now.
    var hasWaiter: Bool { waiter != nil }

    /// Wakes the greenlet waiting on it, if any.
    func signal() {
        guard let waiter else { return }
        self.waiter = nil
        waiter.wake()
    }
}
