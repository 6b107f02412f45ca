import Logging
import PostgresNIO

/// A pool's loop on its connection: stores queued tasks in batches, takes finished ones
/// back when notified (or polled), and returns expired leases every poll interval while
/// it waits for results.
struct DistributedPoolLoop: Sendable {
    var configuration: DistributedConfiguration
    var caller: String
    var eventLoop: (any EventLoop)?
    var state: DistributedPoolState
    var signal: LoopSignal
    var logger: Logger

    func run() async {
        let tick = configuration.pollInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [signal] in
                while (try? await Task.sleep(for: tick)) != nil { signal.signal() }
            }
            group.addTask { [self] in
                await DistributedSession.run(
                    configuration, on: eventLoop, channel: "weave_done_\(caller)", signal: signal, logger: logger
                ) { connection in
                    try await serve(connection)
                }
            }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func serve(_ connection: PostgresConnection) async throws {
        var nextReap = ContinuousClock.now + configuration.pollInterval
        while true {
            try DistributedSession.checkOpen(connection)
            let batch = state.pending(limit: configuration.batchSize)
            if !batch.isEmpty {
                try await DistributedQueries.insert(
                    batch, queue: configuration.queue, caller: caller, maxAttempts: configuration.maxAttempts,
                    on: connection, logger: logger)
                state.stored(batch.count)
                DistributedMetrics.submitted.increment(by: batch.count)
                continue
            }
            if let oldest = state.oldestAwaitedSeq {
                state.deliver(try await DistributedQueries.takeFinished(
                    caller: caller, from: oldest, on: connection, logger: logger))
                if ContinuousClock.now >= nextReap {
                    nextReap = .now + configuration.pollInterval
                    try await DistributedReaper.reap(on: connection, logger: logger)
                }
            }
            guard await signal.wait() else { throw CancellationError() }
        }
    }
}
