import Executors

/// The outcomes of an `imap` or `imapUnordered` on a ``DistributedPool``, one per input:
/// `next()` waits for the next one (plain code blocks its thread, a greenlet suspends only
/// itself).
///
/// ```swift
/// for outcome in try pool.imapUnordered(1...100, square) {
///     total += try outcome.get()
/// }
/// ```
///
/// A failed task gives `.failure(DistributedTaskError)` and the others keep coming. Use it
/// from one thread; it is single-pass.
public struct DistributedResults<Output: Sendable>: Sequence, IteratorProtocol {
    private let futures: [PoolFuture<Output>]
    private var position = 0
    private var completions: AsCompletedIterator<Output>?

    init(_ futures: [PoolFuture<Output>], ordered: Bool) {
        self.futures = futures
        completions = ordered ? nil : PoolFutures.asCompleted(futures)
    }

    /// The number of inputs.
    public var underestimatedCount: Int { futures.count - position }

    /// The next outcome, or nil once every input's came.
    public mutating func next() -> Result<Output, any Error>? {
        guard position < futures.count else { return nil }
        let future: PoolFuture<Output>
        if completions != nil {
            do {
                guard let finished = try completions?.next() else { return nil }
                future = finished
            } catch {
                position += 1
                return .failure(error)
            }
        } else {
            future = futures[position]
        }
        position += 1
        return Result { try future.get() }
    }
}
