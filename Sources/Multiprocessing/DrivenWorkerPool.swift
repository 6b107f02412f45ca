#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker pool with a thread of its own that drives it, for executors: their callers wait
/// on futures, not on the pool, so the pool cannot count on them to take replies in.
///
/// Submitting only queues the job and wakes the driver thread, which hands jobs out, forks
/// every worker (new generations for new closures, replacements for dead workers) and calls
/// `finish` with each outcome. The driver thread ends once the pool is shut down and its
/// workers have left.
package final class DrivenWorkerPool: @unchecked Sendable {
    private let engine: PoolEngine
    private let driver: PoolDriverThread
    private let lock = InProcessLock()
    private var driverReleased = false

    /// Starts `processes` workers (fork) and the driver thread.
    /// - Throws: as `WorkerPool.init`; `.systemCallFailed` when the thread cannot start.
    package init(processes: Int?, maxTasksPerChild: Int?, initializer: (@Sendable () throws -> Void)?) throws {
        engine = try PoolEngine(
            .init(processes: processes ?? Multiprocessing.cpuCount, startMethod: .fork, initializer: initializer,
                  maxTasksPerChild: maxTasksPerChild, hasDriverThread: true),
            resident: nil)
        do {
            driver = try PoolDriverThread(engine: engine)
        } catch {
            engine.terminate(signal: SIGKILL)
            throw error
        }
    }

    /// A pool shut down without waiting finishes its work on the driver thread; any other
    /// is killed.
    deinit {
        if !lock.withLock({ driverReleased }) { terminate() }
    }

    /// Drives the pool from a caller's thread until `isDone()` holds or `timeout` seconds
    /// (nil: no limit) pass; returns `isDone()`. The caller takes replies in itself, as the
    /// driver thread would, and leaves forks to the driver.
    package var helper: @Sendable (_ isDone: () -> Bool, _ timeout: Double?) -> Bool {
        { [engine] isDone, timeout in engine.drive(until: isDone, deadline: deadline(after: timeout)) }
    }

    /// The serving workers' process ids.
    package var processIDs: [Int32] { engine.processIDs }

    /// Queues `work(0)` … `work(count - 1)` as one task each; the closure reaches workers of
    /// a generation forked after it. `start(i)` runs when task `i` is handed to a worker
    /// (false drops it), `finish(i, outcome)` when it is done, on the driver thread.
    /// - Throws: `.poolClosed` after `shutdown`.
    package func submit<Output: Codable & Sendable>(
        count: Int, _ work: @escaping @Sendable (Int) throws -> Output,
        start: @escaping @Sendable (Int) -> Bool, finish: @escaping @Sendable (Int, Result<Output, any Error>) -> Void
    ) throws {
        guard count > 0 else { return }
        let number = engine.addClosure(PoolChunkRunner.make(work))
        let remaining = PoolCountdown(count) { [engine] in engine.releaseClosure(number) }
        do {
            let jobs = try (0..<count).map { index in
                let job = PoolJob(function: .closure(number), payload: try BinaryCodableEncoder().encode([index])) { reply in
                    finish(index, PoolChunkStream<Int, Output>.results(of: reply, span: (0, 1))[0].mapError(Self.withoutIndex))
                    remaining.countDown()
                }
                job.start = { start(index) }
                return job
            }
            try engine.submit(jobs)
        } catch {
            engine.releaseClosure(number)
            throw error
        }
    }

    /// Queues the registered `function` for `input` as one task, with `start` and `finish`
    /// as in `submit(count:_:start:finish:)`.
    package func submit<Input, Output>(
        _ function: PoolFunction<Input, Output>, _ input: Input,
        start: @escaping @Sendable () -> Bool, finish: @escaping @Sendable (Result<Output, any Error>) -> Void
    ) throws {
        let job = PoolJob(function: .named(function.name), payload: try BinaryCodableEncoder().encode([input])) { reply in
            finish(PoolChunkStream<Input, Output>.results(of: reply, span: (0, 1))[0].mapError(Self.withoutIndex))
        }
        job.start = start
        try engine.submit([job])
    }

    /// Finishes every task no worker holds yet with `error`.
    package func cancelQueued(with error: any Error) {
        engine.cancelQueued(with: error)
    }

    /// Takes no more tasks; the workers finish the queued ones and leave. With `wait`,
    /// returns once they have and the driver thread has ended.
    package func shutdown(wait: Bool) {
        engine.close()
        releaseDriver(join: wait)
    }

    /// Kills the workers and reaps them; their tasks fail with `.poolClosed`.
    package func terminate() {
        engine.terminate(signal: SIGKILL)
        releaseDriver(join: true)
    }

    private func releaseDriver(join: Bool) {
        let first: Bool = lock.withLock {
            defer { driverReleased = true }
            return !driverReleased
        }
        guard first else { return }
        join ? driver.join() : driver.detach()
    }

    private static func withoutIndex(_ error: any Error) -> any Error {
        guard var taskError = error as? PoolTaskError else { return error }
        taskError.index = nil
        return taskError
    }
}

/// Runs `action` once `countDown()` was called `count` times, on whichever thread made the
/// last call.
final class PoolCountdown: @unchecked Sendable {
    private let lock = InProcessLock()
    private var remaining: Int
    private let action: @Sendable () -> Void

    init(_ count: Int, action: @escaping @Sendable () -> Void) {
        remaining = count
        self.action = action
    }

    func countDown() {
        let done: Bool = lock.withLock {
            remaining -= 1
            return remaining == 0
        }
        if done { action() }
    }
}
