/// Gathers a `map`'s chunks as their replies arrive (in any order, on whichever thread
/// drives the pool) and completes its async result once the last is in: with the outputs
/// in input order, or with the error of the first input that failed.
///
/// Outputs that travel as plain copies (`PlainArrayLayout`: `Int`, `Double`, `UInt8`) go
/// straight into the result, made at full size and zeroed (a valid value of each of those
/// types) when the call starts: each reply's bytes are copied to their place as the reply
/// arrives, and the last one completes the call without a pass over the outputs. Other
/// outputs are decoded chunk by chunk and joined at the end.
final class PoolMapCollector<Output: Codable & Sendable>: @unchecked Sendable {
    private let lock = InProcessLock()
    private let layout = PlainArrayLayout(of: Output.self)
    /// The result, written in place, when `layout` is set.
    private var outputs: [Output] = []
    /// Each chunk's decoded outputs, when `layout` is nil.
    private var chunks: [[Output]] = []
    private var spans: [(first: Int, count: Int)]
    private var remaining: Int
    private var firstFailure: (index: Int, error: any Error)?
    private let result: PoolAsyncResult<[Output]>
    private let release: (@Sendable () -> Void)?

    init(spans: [(first: Int, count: Int)], result: PoolAsyncResult<[Output]>, release: (@Sendable () -> Void)?) {
        self.spans = spans
        remaining = spans.count
        self.result = result
        self.release = release
        let total = spans.last.map { $0.first + $0.count } ?? 0
        if layout != nil {
            outputs = [Output](unsafeUninitializedCapacity: total) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = total
            }
        } else {
            chunks = Array(repeating: [], count: spans.count)
        }
        if spans.isEmpty { finishCall() }
    }

    /// Takes in chunk `number`'s reply.
    func receive(_ number: Int, _ reply: Result<[UInt8], any Error>) {
        let span = spans[number]
        var failure: (index: Int, error: any Error)?
        do {
            let bytes = try reply.get()
            if !placePlainOutputs(of: bytes, at: span) {
                let outcome = try PoolChunkOutcome<Output>(decoding: bytes)
                if let first = outcome.failures.first {
                    var error = first
                    error.index = span.first + (first.index ?? 0)
                    failure = (error.index ?? span.first, error)
                } else if outcome.outputs.count != span.count {
                    throw MultiprocessingError(
                        .truncatedMessage, context: "a pool reply held \(outcome.outputs.count) outputs for \(span.count) inputs")
                } else if layout == nil {
                    lock.withLock { chunks[number] = outcome.outputs }
                } else {
                    throw MultiprocessingError(.truncatedMessage, context: "a pool reply's outputs of \(Output.self) were not plain copies")
                }
            }
        } catch var error as PoolTaskError {
            error.index = error.index.map { span.first + $0 }
            failure = (span.first, error)
        } catch {
            failure = (span.first, error)
        }
        let done: Bool = lock.withLock {
            if let failure, failure.index < firstFailure?.index ?? .max { firstFailure = failure }
            remaining -= 1
            return remaining == 0
        }
        if done { finishCall() }
    }

    /// Copies the outputs' bytes of `reply` to their place in the result, when it is an
    /// outcome without failures whose outputs, as many as the span's inputs, travel as plain
    /// copies; returns whether it did.
    private func placePlainOutputs(of reply: [UInt8], at span: (first: Int, count: Int)) -> Bool {
        guard let layout, reply.count >= 4, PoolWire.load(UInt32.self, from: reply[...], at: 0) == 0 else { return false }
        return reply.withUnsafeBytes { bytes in
            guard let plain = layout.elements(in: UnsafeRawBufferPointer(rebasing: bytes[4...])), plain.count == span.count else {
                return false
            }
            lock.withLock {
                outputs.withUnsafeMutableBytes { result in
                    UnsafeMutableRawBufferPointer(rebasing: result[(span.first * layout.stride)...]).copyMemory(from: plain.raw)
                }
            }
            return true
        }
    }

    private func finishCall() {
        release?()
        let outcome: Result<[Output], any Error> = lock.withLock {
            if let firstFailure { return .failure(firstFailure.error) }
            guard layout == nil else {
                defer { outputs = [] }
                return .success(outputs)
            }
            if chunks.count == 1 { return .success(chunks[0]) }
            var joined: [Output] = []
            joined.reserveCapacity(spans.last.map { $0.first + $0.count } ?? 0)
            for chunk in chunks { joined.append(contentsOf: chunk) }
            chunks.removeAll()
            return .success(joined)
        }
        result.complete(outcome)
    }
}
