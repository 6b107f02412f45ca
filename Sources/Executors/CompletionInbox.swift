import Synchronization

/// Collects, in the order they finish, the positions of futures that one caller watches,
/// and wakes that caller when one arrives. It subscribes to each future once, however
/// often the caller waits.
final class CompletionInbox: Sendable {
    private struct State {
        var finished: [Int] = []
        var wake: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    init<Value>(watching futures: [PoolFuture<Value>]) {
        for (position, future) in futures.enumerated() {
            future.onComplete { [self] _ in deliver(position) }
        }
    }

    private func deliver(_ position: Int) {
        let wake = state.withLock { state in
            state.finished.append(position)
            return state.wake
        }
        wake?()
    }

    /// Takes the positions that finished since the last call, waiting until `deadline`
    /// for at least one.
    ///
    /// - Returns: The positions, in finishing order; empty when `deadline` passed first.
    /// - Throws: In a greenlet, an error thrown into it meanwhile.
    func take(until deadline: ContinuousClock.Instant?) throws -> [Int] {
        while true {
            let taken = state.withLock { state in
                defer { state.finished.removeAll() }
                return state.finished
            }
            if !taken.isEmpty { return taken }
            let remaining = deadline.map { ContinuousClock.now.duration(to: $0).weaveSeconds }
            if let remaining, remaining <= 0 { return [] }
            defer { state.withLock { $0.wake = nil } }
            _ = try CompletionWait.wait(for: "pool futures to finish", timeout: remaining) { wake in
                let ready = state.withLock { state in
                    state.wake = wake
                    return !state.finished.isEmpty
                }
                if ready { wake() }
            }
        }
    }
}
