/// A task that failed for good: its function threw on every attempt, its worker died on
/// the last one, or no worker knows its function. What a caller's future throws.
///
/// ```swift
/// do {
///     _ = try pool.apply(parse, "not a number")
/// } catch let error as DistributedTaskError {
///     print(error.function, error.attempts, error.worker ?? "-", error.message)
/// }
/// ```
///
/// The task's row stays in the database, state `failed`, with the same error, attempts and
/// worker, for inspection; ``DistributedPool/purgeFinishedTasks(olderThan:)-(Double)`` removes such rows.
public struct DistributedTaskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the task failed.
    public enum Reason: Sendable, Equatable {
        /// The function threw on its last attempt (or its worker died then).
        case failed
        /// The worker that claimed the task has no function of that name registered; the
        /// task is not retried. Register the function in the worker's program.
        case unknownFunction
        /// The worker could not decode the input (or encode the output) with the types it
        /// registered under that name; the task is not retried. Build caller and worker
        /// from the same source.
        case mismatchedTypes
    }

    /// Why the task failed.
    public var reason: Reason
    /// The registered function's name.
    public var function: String
    /// How many times a worker claimed the task.
    public var attempts: Int
    /// The worker that ran the last attempt (`host:pid:suffix`), if one claimed it.
    public var worker: String?
    /// The last error's text: the thrown error's type and description, or why the lease
    /// ran out.
    public var message: String

    /// Creates the record of a task's final failure.
    public init(reason: Reason, function: String, attempts: Int, worker: String?, message: String) {
        self.reason = reason
        self.function = function
        self.attempts = attempts
        self.worker = worker
        self.message = message
    }

    public var description: String {
        let who = worker.map { " on worker \($0)" } ?? ""
        switch reason {
        case .failed:
            return "DistributedTaskError: \(function) failed after \(attempts) attempt(s), the last\(who): \(message)"
        case .unknownFunction:
            return "DistributedTaskError: no function named \(function) is registered\(who); register it in the worker's program before it starts"
        case .mismatchedTypes:
            return "DistributedTaskError: \(function)\(who): \(message); build caller and worker from the same source"
        }
    }
}
