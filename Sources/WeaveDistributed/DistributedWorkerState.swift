import Synchronization

/// What a worker's loop shares with the callbacks of its local pool: how many claimed tasks
/// are out in worker processes, and the outcomes not yet recorded in the database.
final class DistributedWorkerState: Sendable {
    private struct Fields {
        var inFlight = 0
        var outcomes: [AttemptOutcome] = []
        var stopping = false
    }

    private let fields = Mutex(Fields())

    var inFlight: Int { fields.withLock { $0.inFlight } }
    var isStopping: Bool { fields.withLock { $0.stopping } }

    /// Whether the loop may end: stopping, with nothing out and nothing to record.
    var isDrained: Bool { fields.withLock { $0.stopping && $0.inFlight == 0 && $0.outcomes.isEmpty } }

    func stop() {
        fields.withLock { $0.stopping = true }
    }

    func dispatched(_ count: Int) {
        fields.withLock { $0.inFlight += count }
    }

    /// Adds the outcomes of tasks that came back from the worker processes.
    func finished(_ outcomes: [AttemptOutcome]) {
        fields.withLock {
            $0.inFlight -= outcomes.count
            $0.outcomes += outcomes
        }
    }

    /// Takes every outcome to record.
    func takeOutcomes() -> [AttemptOutcome] {
        fields.withLock { fields in
            defer { fields.outcomes.removeAll() }
            return fields.outcomes
        }
    }

    /// Puts back outcomes whose recording failed, to record after reconnecting.
    func restore(_ outcomes: [AttemptOutcome]) {
        fields.withLock { $0.outcomes = outcomes + $0.outcomes }
    }
}
