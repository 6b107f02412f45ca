import Greenlets
import NIOCore

extension Hub {
    /// The calling thread's hub when the caller is a greenlet that may park on it (any
    /// greenlet of a thread that has a hub, but the hub's own), or `nil` when the caller
    /// should block its thread instead: a thread without a hub, or the hub itself.
    package static var parkableCurrent: Hub? {
        guard let attachment = Greenlet.threadAttachment else { return nil }
        let hub = unsafeDowncast(attachment, to: Hub.self)
        return Greenlet.current === hub.hubGreenlet ? nil : hub
    }

    /// Parks the running greenlet until the wake function that `subscribe` receives is
    /// called, from any thread, or until `timeout` seconds pass. The hub runs its other
    /// green threads meanwhile, and does not report the wait as a deadlock.
    ///
    /// The wake function may be called more than once, and after the wait has ended: it
    /// then does nothing.
    /// - Returns: `false` when the wait's own `timeout` ran out, `true` when woken.
    /// - Throws: An error thrown into the greenlet meanwhile (a kill, a scoped timeout).
    package func waitForOtherThread(
        what: @escaping @autoclosure () -> String,
        timeout: Double?,
        subscribe: (_ wake: @escaping @Sendable () -> Void) -> Void
    ) throws -> Bool {
        let loop = eventLoop!
        do {
            try trackingExternalWork {
                try wait(for: what(), timeout: timeout) { waiter in
                    let bound = NIOLoopBound(waiter, eventLoop: loop)
                    subscribe {
                        loop.execute { bound.value.wake() }
                    }
                }
            }
            return true
        } catch let timeout as GreenTimeoutError where timeout.scope == 0 {
            return false
        }
    }
}
