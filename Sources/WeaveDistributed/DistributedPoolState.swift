import Synchronization

/// What a pool's callers share with its loop: the tasks not stored yet, and the futures
/// waiting for stored ones, by the task's number within the pool.
final class DistributedPoolState: Sendable {
    typealias Delivery = @Sendable (Result<[UInt8], any Error>) -> Void

    private struct Fields {
        var nextSeq: Int64 = 1
        var pending: [SubmittedTask] = []
        var waiting: [Int64: Delivery] = [:]
        var closed = false
    }

    private let fields = Mutex(Fields())

    /// Queues a task and the delivery of its outcome.
    /// - Throws: ``DistributedError`` `closed` once the pool is closed.
    func submit(function: String, input: [UInt8], deliver: @escaping Delivery) throws {
        try fields.withLock { fields in
            guard !fields.closed else {
                throw DistributedError(.closed, "the distributed pool was closed; make a new one to submit \(function)")
            }
            let seq = fields.nextSeq
            fields.nextSeq += 1
            fields.pending.append(SubmittedTask(seq: seq, function: function, input: input))
            fields.waiting[seq] = deliver
        }
    }

    /// The oldest tasks not stored yet, at most `limit`; they stay queued until
    /// ``stored(_:)``.
    func pending(limit: Int) -> [SubmittedTask] {
        fields.withLock { Array($0.pending.prefix(limit)) }
    }

    /// Drops the first `count` pending tasks, now stored.
    func stored(_ count: Int) {
        fields.withLock { $0.pending.removeFirst(min(count, $0.pending.count)) }
    }

    /// The lowest number of a task whose outcome is awaited, when stored tasks wait for
    /// theirs; nil otherwise. Finished rows are looked up from it on, so that the lookup
    /// skips the dead index entries of every task delivered before it.
    var oldestAwaitedSeq: Int64? {
        fields.withLock { $0.waiting.count > $0.pending.count ? $0.waiting.keys.min() : nil }
    }

    /// Hands finished tasks to their futures; a task this pool no longer waits for (a
    /// duplicate after a lost reply) is skipped.
    func deliver(_ finished: [FinishedTask]) {
        let deliveries: [(Delivery, Result<[UInt8], any Error>)] = fields.withLock { fields in
            finished.compactMap { task in
                fields.waiting.removeValue(forKey: task.seq).map { ($0, task.outcome.mapError { $0 }) }
            }
        }
        for (deliver, outcome) in deliveries { deliver(outcome) }
    }

    /// Refuses further tasks and fails every waiting future with `error`.
    func close(with error: DistributedError) {
        let deliveries: [Delivery] = fields.withLock { fields in
            fields.closed = true
            fields.pending.removeAll()
            defer { fields.waiting.removeAll() }
            return Array(fields.waiting.values)
        }
        for deliver in deliveries { deliver(.failure(error)) }
    }
}
