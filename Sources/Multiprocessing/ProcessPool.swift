/// A pool of worker processes bound to one function — Python's `multiprocessing.Pool`
/// for the common case of one function over many inputs, in its fastest form.
///
/// ```swift
/// let pool = try ProcessPool(processes: 2) { (n: Int) in n * n }
/// print(try pool.map(Array(1...5)))  // [1, 4, 9, 16, 25]
/// pool.close()
/// try pool.join()
/// ```
///
/// The workers are forked with the function, so it is a closure and may capture anything,
/// and no call pays for a new closure. For a different function per call, use
/// ``WorkerPool``, which this pool is too: its closure and registered-function calls work
/// here as well, and failures, healing, life cycle and threads are as its documentation
/// says. An error the function throws comes back as a ``PoolTaskError``;
/// a worker killed mid-task fails exactly the chunk it was running with `.workerDied`, a
/// replacement is forked and the pool keeps serving.
public final class ProcessPool<Input: Codable & Sendable, Output: Codable & Sendable>: WorkerPool, @unchecked Sendable {
    private static var resident: PoolTarget { PoolTarget(function: .closure(0), release: nil) }

    /// Starts `processes` workers that run `function` — `Pool(processes, initializer,
    /// initargs, maxtasksperchild)` with the function fixed.
    ///
    /// - Parameters:
    ///   - processes: How many workers; by default `Multiprocessing.cpuCount`.
    ///   - maxTasksPerChild: How many chunks a worker runs before a fresh one replaces it;
    ///     nil (the default) keeps workers for the pool's life.
    ///   - initializer: Runs once in each worker before its first input.
    ///   - function: What a worker runs for each input, in a forked child. An error it
    ///     throws fails that input.
    /// - Throws: `.invalidArgument` for fewer than 1 process or a `maxTasksPerChild` below
    ///   1; `.systemCallFailed` when the workers cannot start (those started are stopped).
    public init(
        processes: Int? = nil, maxTasksPerChild: Int? = nil, initializer: (@Sendable () throws -> Void)? = nil,
        function: @escaping @Sendable (Input) throws -> Output
    ) throws {
        super.init(engine: try PoolEngine(
            .init(processes: processes ?? Multiprocessing.cpuCount, startMethod: .fork,
                  initializer: initializer, maxTasksPerChild: maxTasksPerChild),
            resident: PoolChunkRunner.make(function)))
    }

    // MARK: Work

    /// Runs the function over `inputs` and returns the outputs in input order —
    /// `pool.map(f, inputs, chunksize)`. As `WorkerPool.map(_:chunkSize:_:)`.
    public func map(_ inputs: some Sequence<Input>, chunkSize: Int? = nil) throws -> [Output] {
        try mapAsync(inputs, chunkSize: chunkSize).get()
    }

    /// Starts `map` and returns at once — `pool.map_async(f, inputs, chunksize)`.
    public func mapAsync(_ inputs: some Sequence<Input>, chunkSize: Int? = nil) throws -> PoolAsyncResult<[Output]> {
        try PoolCalls.mapAsync(engine, Self.resident, Array(inputs), chunkSize: chunkSize)
    }

    /// Runs the function over `inputs` lazily, results in input order —
    /// `pool.imap(f, inputs, chunksize)`. As `WorkerPool.imap(_:chunkSize:bufferSize:_:)`.
    public func imap(_ inputs: some Sequence<Input>, chunkSize: Int = 1, bufferSize: Int? = nil) throws -> PoolResults<Output> {
        try lazyResults(Self.resident, inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: true)
    }

    /// Runs the function over `inputs` lazily, results as chunks finish —
    /// `pool.imap_unordered(f, inputs, chunksize)`.
    public func imapUnordered(
        _ inputs: some Sequence<Input>, chunkSize: Int = 1, bufferSize: Int? = nil
    ) throws -> PoolResults<Output> {
        try lazyResults(Self.resident, inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: false)
    }

    /// Hands each output to `body` with its input's index as soon as its chunk is done, in
    /// the order chunks finish.
    /// - Throws: once every chunk came back: the first failed input's error (outputs of
    ///   the others were all handed over); the first error `body` throws, after which it
    ///   is not called again.
    public func forEachUnordered(
        _ inputs: some Sequence<Input>, chunkSize: Int? = nil, _ body: (_ index: Int, _ output: Output) throws -> Void
    ) throws {
        let all = Array(inputs)
        let size = try PoolCalls.chunkSize(chunkSize, inputCount: all.count, processes: engine.configuration.processes)
        let source = try PoolCalls.imap(
            engine, Self.resident, all, chunkSize: size, bufferSize: .max, ordered: false, as: Output.self)
        var firstFailure: (index: Int, error: any Error)?
        var bodyError: (any Error)?
        while let (index, result) = source.next() {
            switch result {
            case .success(let output):
                guard bodyError == nil else { continue }
                do { try body(index, output) } catch { bodyError = error }
            case .failure(let error):
                if index < firstFailure?.index ?? .max { firstFailure = (index, error) }
            }
        }
        if let bodyError { throw bodyError }
        if let firstFailure { throw firstFailure.error }
    }

    /// Runs the function for one input in a worker — `pool.apply(f, (input,))`.
    public func apply(_ input: Input) throws -> Output {
        try applyAsync(input).get()
    }

    /// Starts `apply` and returns at once — `pool.apply_async(f, (input,))`.
    public func applyAsync(_ input: Input) throws -> PoolAsyncResult<Output> {
        try PoolCalls.applyAsync(engine, Self.resident, input, as: Output.self)
    }
}
