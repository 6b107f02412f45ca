import ServiceLifecycle
import Threading

/// Runs a blocking shutdown step (joining workers) on a thread of its own and suspends the
/// calling task until it returns, so that no thread of Swift's cooperative pool blocks.
/// - Returns: What the step returned.
func runBlockingShutdown<Outcome: Sendable>(
    named name: String, _ step: @escaping @Sendable () -> Outcome
) async -> Outcome {
    await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
        let thread = OSThread(name: name, daemon: true) {
            continuation.resume(returning: step())
        }
        do {
            try thread.start()
        } catch {
            continuation.resume(returning: step())
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
