/// The calls every pool offers, over a `PoolTarget`: ``WorkerPool`` passes the function of
/// each call, ``ProcessPool`` its resident one.
enum PoolCalls {
    /// The chunk size Python picks for `n` inputs (`divmod(n, 4 * processes)`, rounded
    /// up), or the given one.
    static func chunkSize(_ given: Int?, inputCount: Int, processes: Int) throws -> Int {
        if let given {
            guard given >= 1 else {
                throw MultiprocessingError(.invalidArgument, context: "chunkSize must be 1 or more, got \(given)")
            }
            return given
        }
        return max(1, (inputCount + 4 * processes - 1) / (4 * processes))
    }

    static func mapAsync<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ engine: PoolEngine, _ target: PoolTarget, _ inputs: [Input], chunkSize: Int?
    ) throws -> PoolAsyncResult<[Output]> {
        do {
            let size = try self.chunkSize(chunkSize, inputCount: inputs.count, processes: engine.configuration.processes)
            let spans: [(first: Int, count: Int)] = stride(from: 0, to: inputs.count, by: size).map { ($0, min(size, inputs.count - $0)) }
            var payloads: [[UInt8]] = []
            payloads.reserveCapacity(spans.count)
            for (first, count) in spans {
                payloads.append(try BinaryCodableEncoder().encode(contentsOf: inputs[first..<(first + count)]))
            }
            let result = PoolAsyncResult<[Output]>(engine: engine)
            let collector = PoolMapCollector<Output>(spans: spans, result: result, release: target.release)
            let jobs = payloads.enumerated().map { number, payload in
                PoolJob(function: target.function, payload: payload) { collector.receive(number, $0) }
            }
            try engine.submit(jobs)
            return result
        } catch {
            target.release?()
            throw error
        }
    }

    static func applyAsync<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ engine: PoolEngine, _ target: PoolTarget, _ input: Input, as _: Output.Type
    ) throws -> PoolAsyncResult<Output> {
        do {
            let result = PoolAsyncResult<Output>(engine: engine)
            let job = PoolJob(function: target.function, payload: try BinaryCodableEncoder().encode([input])) { reply in
                target.release?()
                result.complete(PoolChunkStream<Input, Output>.results(of: reply, span: (0, 1))[0].mapError { error in
                    guard var taskError = error as? PoolTaskError else { return error }
                    taskError.index = nil
                    return taskError
                })
            }
            try engine.submit([job])
            return result
        } catch {
            target.release?()
            throw error
        }
    }

    static func imap<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ engine: PoolEngine, _ target: PoolTarget, _ inputs: some Sequence<Input>, chunkSize: Int, bufferSize: Int?,
        ordered: Bool, as _: Output.Type
    ) throws -> PoolResultSource<Output> {
        guard chunkSize >= 1 else {
            target.release?()
            throw MultiprocessingError(.invalidArgument, context: "chunkSize must be 1 or more, got \(chunkSize)")
        }
        if let bufferSize, bufferSize < 1 {
            target.release?()
            throw MultiprocessingError(.invalidArgument, context: "bufferSize must be 1 or more, got \(bufferSize)")
        }
        let limit = bufferSize ?? 2 * PoolEngine.maximumWindow * engine.configuration.processes
        let stream = PoolChunkStream<Input, Output>(
            engine: engine, target: target, inputs: inputs, chunkSize: chunkSize, limit: limit, ordered: ordered)
        return PoolResultSource { try stream.next() }
    }
}
