import Logging
import PostgresNIO

/// A wake-up call for a pool's or worker's loop: notifications, finished work and a ticker
/// signal it; the loop waits on it. Signals while the loop is busy fold into one.
final class LoopSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        let pair = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        stream = pair.stream
        continuation = pair.continuation
    }

    /// Wakes the loop (now, or at its next wait). Any thread may call it.
    func signal() {
        continuation.yield()
    }

    /// Ends every wait for good.
    func finish() {
        continuation.finish()
    }

    /// Waits for the next signal; false once finished (or the task is cancelled).
    func wait() async -> Bool {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() != nil
    }
}

/// Keeps one connection to the database alive for a pool or a worker: connects, migrates
/// the schema, listens on a channel, and runs the caller's loop on it; when the
/// connection fails, it logs, waits (doubling from the poll interval up to 5 s) and
/// starts over, until the task is cancelled.
enum DistributedSession {
    /// Runs `body` on a fresh connection after each (re)connection, with `signal`
    /// signalled on each notification of `channel`; returns when the task is cancelled,
    /// or when `body` throws `CancellationError` or `isFinished()` holds after a failure.
    static func run(
        _ configuration: DistributedConfiguration, channel: String, signal: LoopSignal, logger: Logger,
        isFinished: @escaping @Sendable () -> Bool = { false },
        body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async {
        let initialDelay = configuration.pollInterval
        var delay = initialDelay
        var attempt = 0
        while !Task.isCancelled && !isFinished() {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(
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

    private static func serve(
        _ connection: PostgresConnection, channel: String, signal: LoopSignal, logger: Logger,
        body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        try await DistributedSchema.migrate(connection, logger: logger)
        try await connection.listen(on: channel) { notifications in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in notifications { signal.signal() }
                    throw DistributedSessionEnded()
                }
                group.addTask {
                    signal.signal()
                    try await body(connection)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}

/// The notifications of a connection ended: the connection is gone.
struct DistributedSessionEnded: Error, CustomStringConvertible {
    var description: String { "the connection's notifications ended" }
}
