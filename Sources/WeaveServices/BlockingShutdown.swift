import ServiceLifecycle
import Threading

/// Runs a blocking shutdown step (joining workers) on a thread of its own and suspends the
/// calling task until it returns, so that no thread of Swift's cooperative pool blocks.
func runBlockingShutdown(named name: String, _ step: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let thread = OSThread(name: name, daemon: true) {
            step()
            continuation.resume()
        }
        do {
            try thread.start()
        } catch {
            step()
            continuation.resume()
        }
    }
}

/// Waits for a graceful shutdown of the service group, or its cancellation.
///
/// - Returns: `true` for a graceful shutdown, `false` for a cancellation.
func awaitShutdown() async -> Bool {
    do {
        try await gracefulShutdown()
        return true
    } catch {
        return false
    }
}
