import WeaveDurations

/// When `PoolFutures.wait(_:timeout:returnWhen:)` returns (Python's `FIRST_COMPLETED`,
/// `FIRST_EXCEPTION` and `ALL_COMPLETED`).
public enum FutureWaitCondition: Sendable {
    /// As soon as any future is done.
    case firstCompleted
    /// As soon as any future fails; when none fails, once all are done.
    case firstException
    /// Once every future is done.
    case allCompleted
}

/// Waiting on many futures at once — `concurrent.futures.wait` and `as_completed`.
public enum PoolFutures {
    /// Waits until `returnWhen` holds for `futures`, or `timeout` seconds pass (Python's
    /// `concurrent.futures.wait`).
    ///
    /// Plain code blocks its thread; a greenlet suspends only itself.
    /// - Returns: The futures that are done and those that are not, each in the order
    ///   given.
    /// - Throws: In a greenlet, an error thrown into it meanwhile.
    @DurationOverload
    public static func wait<Value>(
        _ futures: [PoolFuture<Value>],
        timeout: Double? = nil,
        returnWhen condition: FutureWaitCondition = .allCompleted
    ) throws -> (done: [PoolFuture<Value>], notDone: [PoolFuture<Value>]) {
        let deadline = timeout.map { ContinuousClock.now.advanced(by: .seconds($0)) }
        let inbox = CompletionInbox(watching: futures)
        var finished = Set<Int>()
        func holds() -> Bool {
            switch condition {
            case .firstCompleted: !finished.isEmpty
            case .allCompleted: finished.count == futures.count
            case .firstException:
                finished.count == futures.count
                    || finished.contains { if case .failure = futures[$0].result { true } else { false } }
            }
        }
        while !holds() {
            let arrived = try inbox.take(until: deadline)
            if arrived.isEmpty { break }
            finished.formUnion(arrived)
        }
        let done = futures.indices.filter { futures[$0].isReady }
        let notDone = futures.indices.filter { !futures[$0].isReady }
        return (done.map { futures[$0] }, notDone.map { futures[$0] })
    }

    /// The futures in the order they finish (Python's `as_completed`):
    ///
    /// ```swift
    /// var completions = PoolFutures.asCompleted(futures, timeout: 10)
    /// while let future = try completions.next() {
    ///     print(try future.get())
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - futures: The futures to hand over as they finish.
    ///   - timeout: Seconds, from this call, for all of them to finish; `next()`
    ///     throws ``ExecutorError`` with code `timedOut` once it has passed.
    @DurationOverload
    public static func asCompleted<Value>(_ futures: [PoolFuture<Value>], timeout: Double? = nil) -> AsCompletedIterator<Value> {
        AsCompletedIterator(futures, deadline: timeout.map { ContinuousClock.now.advanced(by: .seconds($0)) })
    }

    /// The values of `futures` in their order, each waited for until a shared deadline
    /// `timeout` seconds from now. On the first failure the futures not yet started are
    /// cancelled, as Python's `Executor.map` does when its iterator is left.
    ///
    /// - Throws: The first error in order: a task's own, or `ExecutorError.timedOut`.
    package static func collect<Value>(_ futures: [PoolFuture<Value>], timeout: Double?) throws -> [Value] {
        let deadline = timeout.map { ContinuousClock.now.advanced(by: .seconds($0)) }
        var values: [Value] = []
        values.reserveCapacity(futures.count)
        do {
            for future in futures {
                let remaining = deadline.map { max(ContinuousClock.now.duration(to: $0).weaveSeconds, 0) }
                values.append(try future.get(timeout: remaining))
            }
        } catch {
            for future in futures[values.count...] { future.cancel() }
            throw error
        }
        return values
    }
}

/// Hands out futures as they finish; made by `PoolFutures.asCompleted(_:timeout:)`.
public struct AsCompletedIterator<Value: Sendable> {
    private let futures: [PoolFuture<Value>]
    private let deadline: ContinuousClock.Instant?
    private let inbox: CompletionInbox
    private var ready: [Int] = []
    private var handedOut = 0

    init(_ futures: [PoolFuture<Value>], deadline: ContinuousClock.Instant?) {
        self.futures = futures
        self.deadline = deadline
        inbox = CompletionInbox(watching: futures)
    }

    /// The next future to finish, or `nil` once every future has been handed out.
    ///
    /// - Throws: ``ExecutorError`` with code `timedOut` when the deadline passes first; in
    ///   a greenlet, an error thrown into it meanwhile.
    public mutating func next() throws -> PoolFuture<Value>? {
        guard handedOut < futures.count else { return nil }
        if ready.isEmpty {
            ready = try inbox.take(until: deadline)
            guard !ready.isEmpty else {
                throw ExecutorError(
                    .timedOut, "\(futures.count - handedOut) of \(futures.count) futures were not done in time")
            }
        }
        handedOut += 1
        return futures[ready.removeFirst()]
    }
}
