import GreenHub
import NIOConcurrencyHelpers

/// How a caller waits for a completion that another thread signals: a greenlet parks on
/// its thread's hub, so the hub keeps running its other green threads; any other caller
/// (plain code, the hub itself) blocks its thread.
enum CompletionWait {
    /// Whether a wait here blocks the thread: plain code, or a hub that cannot park.
    static var blocksThread: Bool { Hub.parkableCurrent == nil }

    /// Waits until the wake function that `subscribe` receives is called, or `timeout`
    /// seconds pass.
    ///
    /// - Parameters:
    ///   - what: What the caller waits for, for the hub's deadlock report.
    ///   - timeout: Seconds to wait at most; `nil` waits for ever.
    ///   - subscribe: Receives the wake function; may call it at once.
    /// - Returns: `false` when `timeout` ran out first.
    /// - Throws: In a greenlet, an error thrown into it meanwhile (a kill, a scoped
    ///   timeout); plain code never throws.
    static func wait(
        for what: @escaping @autoclosure () -> String,
        timeout: Double?,
        subscribe: (_ wake: @escaping @Sendable () -> Void) -> Void
    ) throws -> Bool {
        if let hub = Hub.parkableCurrent {
            return try hub.waitForOtherThread(what: what(), timeout: timeout, subscribe: subscribe)
        }
        let signal = ConditionLock(value: false)
        subscribe {
            signal.lock()
            signal.unlock(withValue: true)
        }
        guard let timeout else {
            signal.lock(whenValue: true)
            signal.unlock()
            return true
        }
        guard signal.lock(whenValue: true, timeoutSeconds: max(timeout, 0)) else { return false }
        signal.unlock()
        return true
    }
}
