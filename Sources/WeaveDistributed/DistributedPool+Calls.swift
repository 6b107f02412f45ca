import Executors
import Multiprocessing

extension DistributedPool {
    // MARK: Plain code and greenlets

    /// Runs `function(input)` on a worker and returns its output (`pool.apply(f, (x,))`).
    /// Plain code blocks its thread; a greenlet suspends only itself.
    /// - Throws: ``DistributedTaskError`` when the task failed for good;
    ///   ``DistributedError`` (`codingFailed`, `closed`).
    public func apply<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) throws -> Output {
        try submit(function, input).get()
    }

    /// Queues `function(input)` and returns its future at once (`pool.apply_async`); the
    /// same as ``submit(_:_:)``.
    public func applyAsync<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) throws
        -> PoolFuture<Output> {
        try submit(function, input)
    }

    /// Runs `function` over `inputs` on the workers; outputs in input order (`pool.map`).
    /// Every input is queued before the first output is awaited. Plain code blocks its
    /// thread; a greenlet suspends only itself.
    /// - Throws: The first failure in input order: a ``DistributedTaskError`` or a
    ///   ``DistributedError``.
    public func map<Input, Output>(_ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>) throws
        -> [Output] {
        try PoolFutures.collect(try inputs.map { try submit(function, $0) }, timeout: nil)
    }

    /// Runs `function` over `inputs` on the workers and hands out the outcomes in input
    /// order as they come (`pool.imap`). Every input is queued at once.
    public func imap<Input, Output>(_ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>) throws
        -> DistributedResults<Output> {
        DistributedResults(try inputs.map { try submit(function, $0) }, ordered: true)
    }

    /// Runs `function` over `inputs` on the workers and hands out the outcomes in the order
    /// they finish (`pool.imap_unordered`). Every input is queued at once.
    public func imapUnordered<Input, Output>(_ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>)
        throws -> DistributedResults<Output> {
        DistributedResults(try inputs.map { try submit(function, $0) }, ordered: false)
    }

    // MARK: Async code

    /// `apply(_:_:)` for async code: suspends the task, not the thread.
    public func apply<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) async throws -> Output {
        try await submit(function, input).value
    }

    /// `map(_:_:)` for async code: suspends the task, not the thread.
    public func map<Input, Output>(_ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>) async throws
        -> [Output] {
        let futures = try inputs.map { try submit(function, $0) }
        var outputs: [Output] = []
        outputs.reserveCapacity(futures.count)
        for future in futures { outputs.append(try await future.value) }
        return outputs
    }
}
