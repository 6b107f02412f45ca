/// A pool of worker processes that run one function over many inputs — Python's
/// `multiprocessing.Pool`, with `concurrent.futures.ProcessPoolExecutor`'s rule for a
/// worker that dies.
///
/// ```swift
/// let pool = try ProcessPool(processes: 2) { (n: Int) in n * n }
/// print(try pool.map(Array(1...5)))  // [1, 4, 9, 16, 25]
/// pool.close()
/// try pool.join()
/// ```
///
/// The workers are forked when the pool is made, so the function is a closure and may
/// capture anything (Python has to pickle it, and cannot pickle a lambda). Inputs go to the
/// workers in chunks through a `ProcessQueue`, outputs come back through another, and
/// `map` returns them in input order.
///
/// A function that throws fails its input: `map` lets the other inputs finish, then throws
/// `.taskFailed` naming the first input that failed; the pool stays usable. A worker that
/// ends without being asked to (SIGKILL, a crash) never leaves `map` waiting, as it leaves
/// Python's `Pool.map` waiting for ever: the pool notices within ``pollInterval``, stops
/// its other workers, and every call throws `.workerDied` from then on.
///
/// Workers are daemon children: they die with the pool's process. `close()` then `join()`
/// lets them finish the queued work and exit; `terminate()` stops them at once, and a pool
/// released while it runs is terminated. Use a pool from one thread at a time (calls from
/// several threads take turns).
public final class ProcessPool<Input: Codable & Sendable, Output: Codable & Sendable>: @unchecked Sendable {
    private enum State {
        case running, closed, terminated
        case broken(String)
    }

    /// How often a `map` waiting for outputs checks that its workers are alive.
    public static var pollInterval: Double { 0.05 }

    private let tasks: ProcessQueue<PoolTask<Input>?>
    private let outcomes: ProcessQueue<PoolOutcome<Output>>
    private let workers: [ChildProcess]
    private let lock = InProcessLock()
    private var state = State.running

    /// Starts `processes` workers that run `function` — `Pool(processes)`.
    ///
    /// - Parameters:
    ///   - processes: How many workers; by default `Multiprocessing.cpuCount`.
    ///   - function: What each worker runs for each input, in a forked child. An error it
    ///     throws fails that input (see `map(_:chunkSize:)`).
    /// - Throws: `.invalidArgument` for fewer than 1 process; `.systemCallFailed` when the
    ///   queues or the workers cannot be made (the workers already started are stopped).
    public init(processes: Int? = nil, function: @escaping @Sendable (Input) throws -> Output) throws {
        let count = processes ?? Multiprocessing.cpuCount
        guard count >= 1 else {
            throw MultiprocessingError(.invalidArgument, context: "a pool needs at least 1 process, got \(count)")
        }
        let tasks = try ProcessQueue<PoolTask<Input>?>()
        let outcomes = try ProcessQueue<PoolOutcome<Output>>()
        var workers: [ChildProcess] = []
        do {
            for number in 1...count {
                let worker = ChildProcess(name: "PoolWorker-\(number)", daemon: true, startMethod: .fork) {
                    try Self.work(tasks: tasks, outcomes: outcomes, function: function)
                }
                try worker.start()
                workers.append(worker)
            }
        } catch {
            Self.stop(workers)
            throw error
        }
        self.tasks = tasks
        self.outcomes = outcomes
        self.workers = workers
    }

    deinit {
        if case .running = state { Self.stop(workers) }
    }

    /// The workers' process ids.
    public var processIDs: [Int32] { workers.compactMap(\.pid) }

    // MARK: Work

    /// Runs the function over `inputs` in the workers and returns the outputs in input
    /// order — `pool.map(function, inputs, chunksize)`.
    ///
    /// - Parameters:
    ///   - inputs: The inputs.
    ///   - chunkSize: How many consecutive inputs a worker takes at a time; by default
    ///     about a quarter of an even share, as Python picks it (fewer, larger messages
    ///     for tiny tasks; 1 spreads long tasks best).
    /// - Throws: `.taskFailed` when the function threw for an input (the first such
    ///   input is named); `.workerDied` when a worker ended without being asked to;
    ///   `.poolClosed` after `close()` or `terminate()`; `.invalidArgument` for a chunk
    ///   size below 1; `EncodingError`/`DecodingError` for values that do not encode.
    public func map(_ inputs: [Input], chunkSize: Int? = nil) throws -> [Output] {
        // Chunks come back in any order; each lands in its slot, and the slots are joined
        // in order at the end (whole arrays moved, no per-output bookkeeping).
        var chunks: [[Output]] = []
        try run(inputs, chunkSize: chunkSize) { outcome, size, count in
            if chunks.isEmpty { chunks = Array(repeating: [], count: count) }
            chunks[outcome.first / size] = outcome.outputs
        }
        guard chunks.count > 1 else { return chunks.first ?? [] }
        var outputs: [Output] = []
        outputs.reserveCapacity(inputs.count)
        for chunk in chunks { outputs.append(contentsOf: chunk) }
        return outputs
    }

    /// Runs the function over `inputs` in the workers and hands each output to `body` as
    /// soon as its chunk comes back, in the order chunks finish —
    /// `for output in pool.imap_unordered(function, inputs, chunksize)`.
    ///
    /// - Parameters:
    ///   - inputs: The inputs.
    ///   - chunkSize: As for `map(_:chunkSize:)`; 1 hands over each output as soon as it
    ///     is computed.
    ///   - body: Receives each output with its input's index; runs in the calling thread.
    /// - Throws: as `map(_:chunkSize:)`, once every chunk has come back (outputs of the
    ///   chunks that succeeded have all been handed over); the first error `body` throws,
    ///   likewise after the rest of the work came back, without calling `body` again.
    public func forEachUnordered(
        _ inputs: [Input], chunkSize: Int? = nil, _ body: (_ index: Int, _ output: Output) throws -> Void
    ) throws {
        var bodyError: (any Error)?
        try run(inputs, chunkSize: chunkSize) { outcome, _, _ in
            guard bodyError == nil else { return }
            do {
                for (offset, output) in outcome.outputs.enumerated() {
                    try body(outcome.first + offset, output)
                }
            } catch {
                bodyError = error
            }
        }
        if let bodyError { throw bodyError }
    }

    /// Sends `inputs` to the workers in chunks and gives every chunk's outcome to
    /// `receive` (with the chunk size and count) as it comes back; throws `.taskFailed`
    /// for the first failed input once all have come back, so that no outcome is left
    /// for the next call.
    private func run(
        _ inputs: [Input], chunkSize: Int?, _ receive: (PoolOutcome<Output>, _ size: Int, _ count: Int) -> Void
    ) throws {
        try lock.withLock {
            try checkRunning()
            guard !inputs.isEmpty else { return }
            let size = try chunkSize.map(Self.validated) ?? max(1, (inputs.count + 4 * workers.count - 1) / (4 * workers.count))
            var chunkCount = 0
            for first in stride(from: 0, to: inputs.count, by: size) {
                try tasks.put(PoolTask(first: first, inputs: Array(inputs[first..<min(first + size, inputs.count)])))
                chunkCount += 1
            }
            var firstFailure: (index: Int, description: String)?
            for _ in 0..<chunkCount {
                let outcome = try nextOutcome()
                if let failure = outcome.failure {
                    let index = outcome.first + outcome.outputs.count
                    if index < firstFailure?.index ?? .max { firstFailure = (index, failure) }
                }
                receive(outcome, size, chunkCount)
            }
            if let firstFailure {
                throw MultiprocessingError(.taskFailed, context: "input \(firstFailure.index): \(firstFailure.description)")
            }
        }
    }

    /// Runs the function for one input in a worker — `pool.apply(function, (input,))`.
    /// - Throws: as `map(_:chunkSize:)`.
    public func apply(_ input: Input) throws -> Output {
        try map([input], chunkSize: 1)[0]
    }

    // MARK: Ending

    /// Lets the workers finish the work already given and exit; no new work is taken —
    /// `pool.close()`.
    public func close() {
        lock.withLock {
            guard case .running = state else { return }
            state = .closed
            for _ in workers { try? tasks.put(nil) }
        }
    }

    /// Stops the workers at once (SIGTERM) and waits for them — `pool.terminate()`.
    public func terminate() {
        lock.withLock {
            if case .terminated = state { return }
            state = .terminated
            Self.stop(workers)
        }
    }

    /// Waits for every worker to exit, at most `timeout` seconds; returns whether they all
    /// did — `pool.join()`.
    /// - Throws: `.invalidArgument` while the pool runs: call `close()` or `terminate()`
    ///   first.
    @discardableResult
    public func join(timeout: Double? = nil) throws -> Bool {
        let limit = deadline(after: timeout)
        try lock.withLock {
            if case .running = state {
                throw MultiprocessingError(.invalidArgument, context: "call close() or terminate() before join()")
            }
        }
        for worker in workers {
            let remaining = limit.map { max(0, $0 - Syscalls.monotonicSeconds()) }
            guard try worker.join(timeout: remaining) else { return false }
        }
        return true
    }

    // MARK: Internals

    private static func validated(_ chunkSize: Int) throws -> Int {
        guard chunkSize >= 1 else {
            throw MultiprocessingError(.invalidArgument, context: "chunkSize must be 1 or more, got \(chunkSize)")
        }
        return chunkSize
    }

    private func checkRunning() throws {
        switch state {
        case .running: return
        case .closed, .terminated: throw MultiprocessingError(.poolClosed)
        case .broken(let reason): throw MultiprocessingError(.workerDied, context: reason)
        }
    }

    /// The next chunk's outcome; between polls of the queue, checks that every worker is
    /// alive, and breaks the pool when one is not.
    private func nextOutcome() throws -> PoolOutcome<Output> {
        while true {
            do {
                return try outcomes.get(timeout: Self.pollInterval)
            } catch let error as MultiprocessingError where error.code == .queueEmpty {
                if let dead = workers.first(where: { !$0.isAlive }) {
                    let reason = "\(dead.name) (pid \(dead.pid ?? 0)) ended with exit code \(dead.exitCode ?? 0)"
                    state = .broken(reason)
                    Self.stop(workers)
                    throw MultiprocessingError(.workerDied, context: reason)
                }
            }
        }
    }

    /// Sends SIGTERM to every worker still running and reaps them all.
    private static func stop(_ workers: [ChildProcess]) {
        for worker in workers { try? worker.terminate() }
        for worker in workers { _ = try? worker.join() }
    }

    /// A worker's life: run chunks until the stop sign (`nil`).
    private static func work(
        tasks: ProcessQueue<PoolTask<Input>?>, outcomes: ProcessQueue<PoolOutcome<Output>>,
        function: (Input) throws -> Output
    ) throws {
        while let task = try tasks.get() {
            var outcome = PoolOutcome<Output>(first: task.first, outputs: [], failure: nil)
            outcome.outputs.reserveCapacity(task.inputs.count)
            for input in task.inputs {
                do {
                    outcome.outputs.append(try function(input))
                } catch {
                    outcome.failure = "\(error)"
                    break
                }
            }
            try outcomes.put(outcome)
        }
    }
}

/// A chunk of consecutive inputs for one pool worker.
struct PoolTask<Input: Codable & Sendable>: Codable, Sendable {
    /// The index of the chunk's first input in its `map` call.
    var first: Int
    var inputs: [Input]
}

/// What a pool worker sends back for a chunk: the outputs of the inputs it ran, and the
/// error of the input after them if that one failed.
struct PoolOutcome<Output: Codable & Sendable>: Codable, Sendable {
    var first: Int
    var outputs: [Output]
    var failure: String?
}
