import WeaveDurations

/// One interface over processes, threads and greenlets — Python's
/// `concurrent.futures.Executor`.
///
/// ```swift
/// func squares(on executor: some PoolExecutor) throws -> [Int] {
///     try executor.map(1...5) { $0 * $0 }
/// }
/// let executor = try GreenPoolExecutor()  // or ThreadPoolExecutor(), ProcessPoolExecutor()
/// defer { executor.shutdown() }
/// print(try squares(on: executor))  // [1, 4, 9, 16, 25]
/// ```
///
/// Switching a workload from one model to another changes only the line that makes the
/// executor. Values are `Codable` because a process executor carries them back over a
/// pipe; the thread and green executors also take any `Sendable` value.
public protocol PoolExecutor: AnyObject, Sendable {
    /// Schedules `work` and returns its future (Python's `submit`).
    ///
    /// - Throws: ``ExecutorError`` with code `shutDown` after ``shutdown(wait:cancelFutures:)``.
    func submit<Value: Codable & Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> PoolFuture<Value>

    /// Runs `transform` over `inputs` and returns the outputs in input order (Python's
    /// `map`).
    ///
    /// - Parameters:
    ///   - inputs: The inputs; all are submitted before the first output is awaited.
    ///   - timeout: Seconds, counted from the call, that the whole map may take; `nil`
    ///     waits for ever.
    ///   - transform: The work for one input.
    /// - Throws: The first error, in input order, that an input's work threw;
    ///   ``ExecutorError`` with code `timedOut` (the inputs not yet done are cancelled) or
    ///   `shutDown`.
    func map<Input: Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>,
        timeout: Double?,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output]

    /// Stops taking work (Python's `shutdown(wait, cancel_futures)`). Calling it again does
    /// nothing more.
    ///
    /// - Parameters:
    ///   - wait: Whether to return only once every submitted task has finished and the
    ///     executor's workers are gone.
    ///   - cancelFutures: Whether to cancel the tasks that have not started.
    func shutdown(wait: Bool, cancelFutures: Bool)
}

extension PoolExecutor {
    /// Submits one task per input, then collects the outputs in input order.
    @DurationOverload
    public func map<Input: Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>,
        timeout: Double?,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        let futures = try inputs.map { input in try submit { try transform(input) } }
        return try PoolFutures.collect(futures, timeout: timeout)
    }

    /// `map(_:timeout:_:)` with no time limit.
    public func map<Input: Sendable, Output: Codable & Sendable>(
        _ inputs: some Sequence<Input>,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        try map(inputs, timeout: Double?.none, transform)
    }

    /// Waits for every submitted task, then lets the workers go: `shutdown(wait: true,
    /// cancelFutures: false)`, what leaving Python's `with` block does.
    public func shutdown() {
        shutdown(wait: true, cancelFutures: false)
    }
}
