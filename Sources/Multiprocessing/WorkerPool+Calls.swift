// MARK: Closures

extension WorkerPool {
    /// Runs `transform` over `inputs` in the workers and returns the outputs in input
    /// order — `pool.map(f, inputs, chunksize)`. Blocks the calling thread, which drives
    /// the pool.
    ///
    /// - Parameters:
    ///   - inputs: The inputs; read whole before the work starts (use `imap` for a lazy or
    ///     endless sequence).
    ///   - chunkSize: How many consecutive inputs go to a worker at once; by default as
    ///     Python picks it, `ceil(count / (4 * processes))`. 1 spreads slow work best.
    ///   - transform: What a worker runs per input. A closure the workers have not seen
    ///     costs a fork per worker it runs on (see the type's documentation).
    /// - Throws: once every input came back: the ``PoolTaskError`` of the first input that
    ///   threw (its `index` names it); `.workerDied` when a worker running the call was
    ///   killed; `.poolClosed` after `close()` or `terminate()`; `.invalidArgument` for a
    ///   chunk size below 1; `EncodingError`/`DecodingError` for values that do not encode.
    public func map<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>, chunkSize: Int? = nil, _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        try mapAsync(inputs, chunkSize: chunkSize, transform).get()
    }

    /// Starts `map` and returns at once — `pool.map_async(f, inputs, chunksize)`.
    /// - Throws: `.poolClosed`, `.invalidArgument` and encoding errors at once; the work's
    ///   own errors come from the result's `get()`.
    public func mapAsync<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>, chunkSize: Int? = nil, _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> PoolAsyncResult<[Output]> {
        try PoolCalls.mapAsync(engine, target(transform), Array(inputs), chunkSize: chunkSize)
    }

    /// Runs `transform` over pairs of inputs, each passed as two arguments —
    /// `pool.starmap(f, [(a, b), …])`.
    /// - Throws: as `map(_:chunkSize:_:)`.
    public func starmap<First: Codable & Sendable, Second: Codable & Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<(First, Second)>, chunkSize: Int? = nil,
        _ transform: @escaping @Sendable (First, Second) throws -> Output
    ) throws -> [Output] {
        try map(inputs.map { PoolPair(first: $0.0, second: $0.1) }, chunkSize: chunkSize) { try transform($0.first, $0.second) }
    }

    /// Runs `transform` over `inputs` lazily and yields the results in input order —
    /// `pool.imap(f, inputs, chunksize, buffersize)`. Inputs are pulled only as room frees
    /// up, so a generated sequence of any length never sits in memory.
    ///
    /// - Parameters:
    ///   - inputs: The inputs, read lazily.
    ///   - chunkSize: Inputs per chunk; 1 by default, as in Python (the length of a lazy
    ///     sequence is unknown). Raise it for tiny work.
    ///   - bufferSize: The most chunks in flight or waiting to be read; by default 64 per
    ///     worker.
    ///   - transform: The function each worker runs on an input.
    /// - Throws: `.invalidArgument` for a chunk or buffer size below 1. Other errors come
    ///   as failed results.
    public func imap<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>, chunkSize: Int = 1, bufferSize: Int? = nil,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> PoolResults<Output> {
        try lazyResults(target(transform), inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: true)
    }

    /// As `imap`, but yields each chunk's results as soon as it is done, in any order —
    /// `pool.imap_unordered(f, inputs, chunksize)`.
    public func imapUnordered<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>, chunkSize: Int = 1, bufferSize: Int? = nil,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> PoolResults<Output> {
        try lazyResults(target(transform), inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: false)
    }

    /// Runs `work` in a worker and returns its value — `pool.apply(f, args)`; the closure
    /// carries its arguments.
    /// - Throws: the ``PoolTaskError`` of what `work` threw; `.workerDied`; `.poolClosed`.
    public func apply<Output: Codable & Sendable>(_ work: @escaping @Sendable () throws -> Output) throws -> Output {
        try applyAsync(work).get()
    }

    /// Starts `apply` and returns at once — `pool.apply_async(f, args)`.
    public func applyAsync<Output: Codable & Sendable>(
        _ work: @escaping @Sendable () throws -> Output
    ) throws -> PoolAsyncResult<Output> {
        try PoolCalls.applyAsync(engine, target { (_: PoolNoInput) in try work() }, PoolNoInput(), as: Output.self)
    }
}

// MARK: Registered functions

extension WorkerPool {
    /// Runs the registered `function` over `inputs`, outputs in input order; as
    /// `map(_:chunkSize:_:)`, without a fork for a new closure.
    public func map<Input, Output>(
        _ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>, chunkSize: Int? = nil
    ) throws -> [Output] {
        try mapAsync(inputs, function, chunkSize: chunkSize).get()
    }

    /// Starts `map` of the registered `function` and returns at once.
    public func mapAsync<Input, Output>(
        _ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>, chunkSize: Int? = nil
    ) throws -> PoolAsyncResult<[Output]> {
        try PoolCalls.mapAsync(engine, Self.target(function), Array(inputs), chunkSize: chunkSize)
    }

    /// Runs the registered `function` over `inputs` lazily, results in input order; as
    /// `imap(_:chunkSize:bufferSize:_:)`.
    public func imap<Input, Output>(
        _ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>, chunkSize: Int = 1, bufferSize: Int? = nil
    ) throws -> PoolResults<Output> {
        try lazyResults(Self.target(function), inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: true)
    }

    /// Runs the registered `function` over `inputs` lazily, results as chunks finish.
    public func imapUnordered<Input, Output>(
        _ inputs: some Sequence<Input>, _ function: PoolFunction<Input, Output>, chunkSize: Int = 1, bufferSize: Int? = nil
    ) throws -> PoolResults<Output> {
        try lazyResults(Self.target(function), inputs, chunkSize: chunkSize, bufferSize: bufferSize, ordered: false)
    }

    /// Runs the registered `function` for `input` in a worker and returns its output.
    public func apply<Input, Output>(_ function: PoolFunction<Input, Output>, _ input: Input) throws -> Output {
        try applyAsync(function, input).get()
    }

    /// Starts `apply` of the registered `function` and returns at once.
    public func applyAsync<Input, Output>(
        _ function: PoolFunction<Input, Output>, _ input: Input
    ) throws -> PoolAsyncResult<Output> {
        try PoolCalls.applyAsync(engine, Self.target(function), input, as: Output.self)
    }
}

/// Two arguments of a `starmap` input, carried as one `Codable` value.
struct PoolPair<First: Codable & Sendable, Second: Codable & Sendable>: Codable, Sendable {
    var first: First
    var second: Second
}
