import DequeModule

/// What a pool call runs: a closure from the pool's table or a registered function, and
/// what to do when the call no longer needs it.
struct PoolTarget: Sendable {
    var function: PoolJobFunction
    /// Releases the closure's number; nil for registered functions and resident closures.
    var release: (@Sendable () -> Void)?
}

/// The replies to a call's chunks, as they arrive, by chunk number. Jobs' `finish` fills it
/// on whichever thread drives the pool.
final class PoolChunkInbox: @unchecked Sendable {
    private let lock = InProcessLock()
    private var arrived: [Int: Result<[UInt8], any Error>] = [:]
    private var order = Deque<Int>()

    func put(_ chunk: Int, _ result: Result<[UInt8], any Error>) {
        lock.withLock {
            arrived[chunk] = result
            order.append(chunk)
        }
    }

    /// Takes chunk `number`'s reply if it arrived, or with nil the first to arrive.
    func take(_ number: Int?) -> (Int, Result<[UInt8], any Error>)? {
        lock.withLock {
            let chunk: Int
            if let number {
                guard arrived[number] != nil else { return nil }
                chunk = number
            } else {
                guard let first = order.first else { return nil }
                chunk = first
            }
            if let index = order.firstIndex(of: chunk) { order.remove(at: index) }
            return arrived.removeValue(forKey: chunk).map { (chunk, $0) }
        }
    }
}

/// A call's inputs on their way through the pool in chunks: pulled from the sequence as
/// room frees up (at most `limit` chunks in flight), and handed back whole, in input order
/// or as they finish.
final class PoolChunkStream<Input: Codable & Sendable, Output: Codable & Sendable> {
    private let engine: PoolEngine
    private let target: PoolTarget
    private var inputs: any IteratorProtocol<Input>
    private let chunkSize: Int
    private let limit: Int
    private let ordered: Bool
    private let inbox = PoolChunkInbox()
    /// Each chunk's first input index and input count, while it is in flight.
    private var spans: [Int: (first: Int, count: Int)] = [:]
    private var chunksSent = 0
    private var inputsSent = 0
    private var nextInOrder = 0
    private var exhausted = false
    private var released = false

    init(engine: PoolEngine, target: PoolTarget, inputs: some Sequence<Input>, chunkSize: Int, limit: Int, ordered: Bool) {
        self.engine = engine
        self.target = target
        self.inputs = inputs.makeIterator()
        self.chunkSize = chunkSize
        self.limit = limit
        self.ordered = ordered
    }

    deinit {
        releaseTarget()
    }

    /// The next chunk's results, each input's output or error, with the chunk's first
    /// input index; nil once every input came back.
    func next() throws -> (first: Int, results: [Result<Output, any Error>])? {
        try sendMore()
        guard !spans.isEmpty else {
            releaseTarget()
            return nil
        }
        var reply: (Int, Result<[UInt8], any Error>)?
        let wanted = ordered ? nextInOrder : nil
        engine.drive(until: {
            reply = inbox.take(wanted)
            return reply != nil
        }, deadline: nil)
        guard let (chunk, result) = reply, let span = spans.removeValue(forKey: chunk) else { return nil }
        if ordered { nextInOrder += 1 }
        return (span.first, Self.results(of: result, span: span))
    }

    /// Pulls inputs and sends chunks until `limit` are in flight or the inputs run out.
    private func sendMore() throws {
        var jobs: [PoolJob] = []
        while !exhausted && spans.count + jobs.count < limit {
            var chunk: [Input] = []
            chunk.reserveCapacity(min(chunkSize, 1024))
            while chunk.count < chunkSize, let input = inputs.next() { chunk.append(input) }
            if chunk.isEmpty {
                exhausted = true
                break
            }
            let number = chunksSent
            let inbox = inbox
            spans[number] = (inputsSent, chunk.count)
            chunksSent += 1
            inputsSent += chunk.count
            jobs.append(PoolJob(function: target.function, payload: try BinaryCodableEncoder().encode(chunk)) { result in
                inbox.put(number, result)
            })
        }
        if !jobs.isEmpty { try engine.submit(jobs) }
    }

    /// One result per input of the chunk: its output, its own error, or the chunk's.
    static func results(
        of reply: Result<[UInt8], any Error>, span: (first: Int, count: Int)
    ) -> [Result<Output, any Error>] {
        let outcome: PoolChunkOutcome<Output>
        do {
            outcome = try PoolChunkOutcome<Output>(decoding: reply.get())
        } catch var error as PoolTaskError {
            error.index = error.index.map { span.first + $0 }
            return Array(repeating: .failure(error), count: span.count)
        } catch {
            return Array(repeating: .failure(error), count: span.count)
        }
        var results: [Result<Output, any Error>] = []
        results.reserveCapacity(span.count)
        var outputs = outcome.outputs.makeIterator()
        var failures = outcome.failures.makeIterator()
        var failure = failures.next()
        for offset in 0..<span.count {
            if var error = failure, error.index == offset {
                error.index = span.first + offset
                results.append(.failure(error))
                failure = failures.next()
            } else if let output = outputs.next() {
                results.append(.success(output))
            }
        }
        return results
    }

    private func releaseTarget() {
        guard !released else { return }
        released = true
        target.release?()
    }
}
