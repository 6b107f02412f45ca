/// Gathers a `map`'s chunks as their replies arrive (in any order, on whichever thread
/// drives the pool) and completes its async result once the last is in: with the outputs
/// in input order, or with the error of the first input that failed.
///
/// Outputs that travel as plain copies (`PlainArrayLayout`) are not decoded chunk by chunk:
/// their replies' bytes are kept, and copied once into the result when the last is in.
final class PoolMapCollector<Output: Codable & Sendable>: @unchecked Sendable {
    /// A chunk's outputs: decoded, or the reply whose bytes from `start` on are the outputs'
    /// plain copies.
    private enum Chunk {
        case decoded([Output])
        case plain(reply: [UInt8], start: Int)
    }

    private let lock = InProcessLock()
    private let layout = PlainArrayLayout(of: Output.self)
    private var chunks: [Chunk]
    private var spans: [(first: Int, count: Int)]
    private var remaining: Int
    private var firstFailure: (index: Int, error: any Error)?
    private let result: PoolAsyncResult<[Output]>
    private let release: (@Sendable () -> Void)?

    init(spans: [(first: Int, count: Int)], result: PoolAsyncResult<[Output]>, release: (@Sendable () -> Void)?) {
        chunks = Array(repeating: .decoded([]), count: spans.count)
        self.spans = spans
        remaining = spans.count
        self.result = result
        self.release = release
        if spans.isEmpty { finishCall() }
    }

    /// Takes in chunk `number`'s reply.
    func receive(_ number: Int, _ reply: Result<[UInt8], any Error>) {
        let span = spans[number]
        var chunk = Chunk.decoded([])
        var failure: (index: Int, error: any Error)?
        do {
            let bytes = try reply.get()
            if let start = plainOutputsStart(in: bytes, count: span.count) {
                chunk = .plain(reply: bytes, start: start)
            } else {
                let outcome = try PoolChunkOutcome<Output>(decoding: bytes)
                if let first = outcome.failures.first {
                    var error = first
                    error.index = span.first + (first.index ?? 0)
                    failure = (error.index ?? span.first, error)
                } else if outcome.outputs.count == span.count {
                    chunk = .decoded(outcome.outputs)
                } else {
                    throw MultiprocessingError(
                        .truncatedMessage, context: "a pool reply held \(outcome.outputs.count) outputs for \(span.count) inputs")
                }
            }
        } catch var error as PoolTaskError {
            error.index = error.index.map { span.first + $0 }
            failure = (span.first, error)
        } catch {
            failure = (span.first, error)
        }
        let done: Bool = lock.withLock {
            chunks[number] = chunk
            if let failure, failure.index < firstFailure?.index ?? .max { firstFailure = failure }
            remaining -= 1
            return remaining == 0
        }
        if done { finishCall() }
    }

    /// Where the outputs' plain copies start in `reply`, when it is an outcome without
    /// failures whose `count` outputs travel as plain copies.
    private func plainOutputsStart(in reply: [UInt8], count: Int) -> Int? {
        guard let layout, reply.count >= 4, PoolWire.load(UInt32.self, from: reply[...], at: 0) == 0 else { return nil }
        return reply.withUnsafeBytes { bytes in
            guard let outputs = layout.elements(in: UnsafeRawBufferPointer(rebasing: bytes[4...])), outputs.count == count else {
                return nil
            }
            return outputs.raw.baseAddress.unsafelyUnwrapped - bytes.baseAddress.unsafelyUnwrapped
        }
    }

    private func finishCall() {
        release?()
        let outcome: Result<[Output], any Error> = lock.withLock {
            if let firstFailure { return .failure(firstFailure.error) }
            if chunks.count == 1, case .decoded(let outputs) = chunks[0] { return .success(outputs) }
            let total = spans.last.map { $0.first + $0.count } ?? 0
            let stride = MemoryLayout<Output>.stride
            let outputs = [Output](unsafeUninitializedCapacity: total) { buffer, initialized in
                for (chunk, span) in zip(chunks, spans) where span.count > 0 {
                    let destination = buffer.baseAddress.unsafelyUnwrapped + span.first
                    switch chunk {
                    case .plain(let reply, let start):
                        reply.withUnsafeBytes { bytes in
                            UnsafeMutableRawPointer(destination).copyMemory(from: bytes.baseAddress.unsafelyUnwrapped + start, byteCount: span.count * stride)
                        }
                    case .decoded(let decoded):
                        decoded.withUnsafeBufferPointer { destination.initialize(from: $0.baseAddress.unsafelyUnwrapped, count: span.count) }
                    }
                }
                initialized = total
            }
            chunks.removeAll()
            return .success(outputs)
        }
        result.complete(outcome)
    }
}
