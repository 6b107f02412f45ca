import Logging
import PostgresNIO
import Synchronization

/// A wake-up call for a pool's or worker's loop: notifications, finished work and a ticker
/// signal it; the loop waits on it. Signals while the loop is busy fold into one.
///
/// Not an `AsyncStream`: cancelling a task that waits on a stream's iterator ends the stream
/// for good, and the loop's waiting task is cancelled every time its connection fails, while
/// the signal must outlive the reconnection. One task waits at a time.
final class LoopSignal: Sendable {
    private struct State {
        var signalled = false
        var finished = false
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    /// Wakes the loop (now, or at its next wait). Any thread may call it.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: true)
    }

    /// Ends every wait for good.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: false)
    }

    /// Waits for the next signal; false once finished, or when the waiting task is
    /// cancelled (which ends only this wait).
    func wait() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { state -> Bool? in
                    if state.finished || Task.isCancelled { return false }
                    if state.signalled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: false)
        }
    }
}

/// Keeps one connection to the database alive for a pool or a worker: connects, migrates
/// the schema, listens on a channel, and runs the caller's loop on it; when the
/// connection fails, it logs, waits (doubling from the poll interval up to 5 s) and
/// starts over, until the task is cancelled.
enum DistributedSession {
    /// Runs `body` on a fresh connection (on `eventLoop`, or one of postgres-nio's shared
    /// loops) after each (re)connection, with `signal`
    /// signalled on each notification of `channel`; returns when the task is cancelled,
    /// or when `body` throws `CancellationError` or `isFinished()` holds after a failure.
    static func run(
        _ configuration: DistributedConfiguration, on eventLoop: (any EventLoop)? = nil, channel: String,
        signal: LoopSignal, logger: Logger, isFinished: @escaping @Sendable () -> Bool = { false },
        body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async {
        let initialDelay = configuration.pollInterval
        var delay = initialDelay
        var attempt = 0
        while !Task.isCancelled && !isFinished() {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoop ?? PostgresConnection.defaultEventLoopGroup.any(),
                    configuration: try configuration.connectionConfiguration(), id: attempt, logger: logger)
                logger.debug("connected to PostgreSQL", metadata: ["connection": "\(attempt)"])
                delay = initialDelay
                do {
                    try await DistributedSession.serve(connection, channel: channel, signal: signal, logger: logger, body: body)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch is CancellationError {
                return
            } catch let error as DistributedError where error.code == .invalidConfiguration || error.code == .schemaTooNew {
                logger.error("cannot use the database: \(error)")
                delay = .seconds(5)
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("the database connection failed; reconnecting", metadata: [
                    "error": "\(String(reflecting: error))", "retryIn": "\(delay)",
                ])
            }
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            delay = min(delay * 2, .seconds(5))
            signal.signal()
        }
    }

    /// Throws when the task is cancelled or the connection has closed: a loop checks it
    /// before each query, as a query written to a connection that has already closed may
    /// never complete.
    static func checkOpen(_ connection: PostgresConnection) throws {
        try Task.checkCancellation()
        guard !connection.isClosed else { throw DistributedSessionEnded() }
    }

    /// Migrates, registers a listener that signals the loop on each notification, and runs
    /// `body`. A callback rather than postgres-nio's notification sequence: a task iterating
    /// that sequence may never end once the server is gone, and a task group waiting on it
    /// would keep the loop from reconnecting; the loop learns of a dead connection from its
    /// next query instead, at the latest one poll interval later.
    private static func serve(
        _ connection: PostgresConnection, channel: String, signal: LoopSignal, logger: Logger,
        body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        try await DistributedSchema.migrate(connection, logger: logger)
        let listener = connection.addListener(channel: channel) { _, _ in signal.signal() }
        defer { listener.stop() }
        signal.signal()
        try await body(connection)
    }
}

/// The connection has closed: the session reconnects.
struct DistributedSessionEnded: Error, CustomStringConvertible {
    var description: String { "the connection to the database closed" }
}
