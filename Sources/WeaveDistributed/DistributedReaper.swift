import Logging
import PostgresNIO

/// Returns expired leases to the queue, for workers and pools alike, and says so in the
/// log: a lease runs out only when a worker died, hung or lost the database.
enum DistributedReaper {
    static func reap(on connection: PostgresConnection, logger: Logger) async throws {
        let reaped = try await DistributedQueries.reapExpired(on: connection, logger: logger)
        guard !reaped.isEmpty else { return }
        DistributedMetrics.reaped.increment(by: reaped.count)
        let workers = Set(reaped.map(\.worker)).sorted().joined(separator: ", ")
        let failed = reaped.filter { $0.state == "failed" }.count
        logger.warning("returned tasks whose lease ran out", metadata: [
            "tasks": "\(reaped.count)", "failedForGood": "\(failed)", "workers": "\(workers)",
        ])
    }
}
