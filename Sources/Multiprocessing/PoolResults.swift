/// The results of an `imap` or `imapUnordered`, one per input, produced lazily: each
/// `next()` drives the pool until the next result is in, and pulls more inputs as room
/// frees up.
///
/// ```swift
/// for result in pool.imap(1...10_000_000, chunkSize: 1000) { (n: Int) in n % 7 } {
///     total += try result.get()
/// }
/// ```
///
/// An input whose function threw gives `.failure(PoolTaskError)`; one whose worker died
/// gives `.failure(MultiprocessingError(.workerDied))`; the other results keep coming. Use
/// it from one thread; it is single-pass.
public struct PoolResults<Output: Sendable>: Sequence, IteratorProtocol {
    let source: PoolResultSource<Output>

    /// The next result, or nil once every input came back.
    public mutating func next() -> Result<Output, any Error>? {
        source.next()?.result
    }
}

/// The shared, single-pass state behind ``PoolResults``.
final class PoolResultSource<Output: Sendable> {
    private let pull: () throws -> (first: Int, results: [Result<Output, any Error>])?
    private var buffer: [Result<Output, any Error>] = []
    private var first = 0
    private var position = 0
    private var ended = false

    init(pull: @escaping () throws -> (first: Int, results: [Result<Output, any Error>])?) {
        self.pull = pull
    }

    /// The next result with its input's index.
    func next() -> (index: Int, result: Result<Output, any Error>)? {
        while position == buffer.count {
            guard !ended else { return nil }
            do {
                guard let chunk = try pull() else {
                    ended = true
                    return nil
                }
                (first, buffer, position) = (chunk.first, chunk.results, 0)
            } catch {
                ended = true
                return (first + position, .failure(error))
            }
        }
        defer { position += 1 }
        return (first + position, buffer[position])
    }
}
