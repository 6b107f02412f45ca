/// Gathers a `map`'s chunks as their replies arrive (in any order, on whichever thread
/// drives the pool) and completes its async result once the last is in: with the outputs
/// in input order, or with the error of the first input that failed.
final class PoolMapCollector<Output: Codable & Sendable>: @unchecked Sendable {
    private let lock = InProcessLock()
    private var chunks: [[Output]]
    private var spans: [(first: Int, count: Int)]
    private var remaining: Int
    private var firstFailure: (index: Int, error: any Error)?
    private let result: PoolAsyncResult<[Output]>
    private let release: (@Sendable () -> Void)?

    init(spans: [(first: Int, count: Int)], result: PoolAsyncResult<[Output]>, release: (@Sendable () -> Void)?) {
        chunks = Array(repeating: [], count: spans.count)
        self.spans = spans
        remaining = spans.count
        self.result = result
        self.release = release
        if spans.isEmpty { finishCall() }
    }

    /// Takes in chunk `number`'s reply.
    func receive(_ number: Int, _ reply: Result<[UInt8], any Error>) {
        let span = spans[number]
        var outputs: [Output] = []
        var failure: (index: Int, error: any Error)?
        do {
            let outcome = try PoolChunkOutcome<Output>(decoding: reply.get())
            if let first = outcome.failures.first {
                var error = first
                error.index = span.first + (first.index ?? 0)
                failure = (error.index ?? span.first, error)
            } else {
                outputs = outcome.outputs
            }
        } catch var error as PoolTaskError {
            error.index = error.index.map { span.first + $0 }
            failure = (span.first, error)
        } catch {
            failure = (span.first, error)
        }
        let done: Bool = lock.withLock {
            chunks[number] = outputs
            if let failure, failure.index < firstFailure?.index ?? .max { firstFailure = failure }
            remaining -= 1
            return remaining == 0
        }
        if done { finishCall() }
    }

    private func finishCall() {
        release?()
        let outcome: Result<[Output], any Error> = lock.withLock {
            if let firstFailure { return .failure(firstFailure.error) }
            if chunks.count == 1 { return .success(chunks[0]) }
            var outputs: [Output] = []
            outputs.reserveCapacity(spans.last.map { $0.first + $0.count } ?? 0)
            for chunk in chunks { outputs.append(contentsOf: chunk) }
            chunks.removeAll()
            return .success(outputs)
        }
        result.complete(outcome)
    }
}
