import Logging
import NIOCore
import PostgresNIO
import WeaveDurations

/// A task a worker claimed.
struct ClaimedTask: Sendable {
    var id: Int64
    var function: String
    var input: [UInt8]
    var attempt: Int
}

/// How one attempt of a claimed task ended, as a worker reports it.
struct AttemptOutcome: Sendable {
    /// How it ended.
    enum Kind: Sendable {
        /// The function returned these encoded bytes.
        case output([UInt8])
        /// It threw (or its process died): retry while attempts remain.
        case retryable(String)
        /// It can never succeed: fail at once.
        case final(DistributedTaskError.Reason, String)
    }

    var id: Int64
    var attempt: Int
    var kind: Kind
}

/// A task a caller submitted that is not stored yet.
struct SubmittedTask: Sendable {
    var seq: Int64
    var function: String
    var input: [UInt8]
}

/// A finished task a caller takes back.
struct FinishedTask: Sendable {
    var seq: Int64
    var outcome: Result<[UInt8], DistributedTaskError>
}

/// Every statement the pools and workers run, each a fixed text with bound values.
enum DistributedQueries {
    /// Stores `tasks` for `caller`; a task stored before (a retry after a lost reply) is
    /// skipped, so each is stored once.
    static func insert(
        _ tasks: [SubmittedTask], queue: String, caller: String, maxAttempts: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let seqs = tasks.map(\.seq)
        let functions = tasks.map(\.function)
        let inputs = tasks.map { ByteBuffer(bytes: $0.input) }
        try await connection.query(
            """
            INSERT INTO weave_tasks (queue, caller, seq, function, input, max_attempts)
            SELECT \(queue), \(caller), s, f, i, \(maxAttempts)
            FROM unnest(\(seqs)::bigint[], \(functions)::text[], \(inputs)::bytea[]) AS u(s, f, i)
            ON CONFLICT (caller, seq) DO NOTHING
            """, logger: logger)
    }

    /// Claims up to `limit` available tasks of `queue` for `worker`, leased for `lease`.
    static func claim(
        queue: String, worker: String, limit: Int, lease: Duration, on connection: PostgresConnection, logger: Logger
    ) async throws -> [ClaimedTask] {
        let rows = try await connection.query(
            """
            UPDATE weave_tasks AS t
            SET state = 'running', attempt = t.attempt + 1, worker = \(worker),
                lease_until = now() + \(milliseconds(lease)) * interval '1 millisecond', updated_at = now()
            FROM (
                SELECT id FROM weave_tasks
                WHERE queue = \(queue) AND state = 'available' AND run_after <= now()
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ) AS c
            WHERE t.id = c.id
            RETURNING t.id, t.function, t.input, t.attempt
            """, logger: logger)
        var claimed: [ClaimedTask] = []
        for try await (id, function, input, attempt) in rows.decode((Int64, String, ByteBuffer, Int).self) {
            claimed.append(ClaimedTask(id: id, function: function, input: Array(buffer: input), attempt: attempt))
        }
        return claimed
    }

    /// Records `outcomes` of `worker`'s attempts. An attempt no longer the worker's (its
    /// lease expired and the task was claimed again) records nothing, so each task keeps
    /// exactly one result. A retryable failure goes back to `available` after the backoff
    /// (`backoff` doubled per earlier attempt) while attempts remain, else to `failed`.
    static func record(
        _ outcomes: [AttemptOutcome], worker: String, backoff: Duration, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var doneIDs: [Int64] = [], doneAttempts: [Int] = [], results: [ByteBuffer] = []
        var failedIDs: [Int64] = [], failedAttempts: [Int] = [], errors: [String] = [], finals: [String] = []
        for outcome in outcomes {
            switch outcome.kind {
            case .output(let bytes):
                doneIDs.append(outcome.id)
                doneAttempts.append(outcome.attempt)
                results.append(ByteBuffer(bytes: bytes))
            case .retryable(let message):
                failedIDs.append(outcome.id)
                failedAttempts.append(outcome.attempt)
                errors.append(message)
                finals.append("")
            case .final(let reason, let message):
                failedIDs.append(outcome.id)
                failedAttempts.append(outcome.attempt)
                errors.append(message)
                finals.append(failureName(reason))
            }
        }
        if !doneIDs.isEmpty {
            try await connection.query(
                """
                UPDATE weave_tasks AS t
                SET state = 'done', result = r.result, error = NULL, failure = NULL, lease_until = NULL, updated_at = now()
                FROM unnest(\(doneIDs)::bigint[], \(doneAttempts)::integer[], \(results)::bytea[]) AS r(id, attempt, result)
                WHERE t.id = r.id AND t.attempt = r.attempt AND t.worker = \(worker) AND t.state = 'running'
                """, logger: logger)
        }
        if !failedIDs.isEmpty {
            try await connection.query(
                """
                UPDATE weave_tasks AS t
                SET state = CASE WHEN r.final <> '' OR t.attempt >= t.max_attempts THEN 'failed' ELSE 'available' END,
                    failure = CASE WHEN r.final <> '' THEN r.final ELSE 'failed' END,
                    error = r.error, lease_until = NULL, updated_at = now(),
                    run_after = now() + \(milliseconds(backoff)) * power(2.0::float8, least(t.attempt - 1, 20)) * interval '1 millisecond'
                FROM unnest(\(failedIDs)::bigint[], \(failedAttempts)::integer[], \(errors)::text[], \(finals)::text[])
                    AS r(id, attempt, error, final)
                WHERE t.id = r.id AND t.attempt = r.attempt AND t.worker = \(worker) AND t.state = 'running'
                """, logger: logger)
        }
    }

    /// Renews the leases of `worker`'s running tasks.
    static func heartbeat(worker: String, lease: Duration, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE weave_tasks SET lease_until = now() + \(milliseconds(lease)) * interval '1 millisecond'
            WHERE worker = \(worker) AND state = 'running'
            """, logger: logger)
    }

    /// Returns the running tasks whose lease expired to `available` (to `failed` when
    /// their attempts are used up); returns each one's id, worker and new state.
    static func reapExpired(
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [(id: Int64, worker: String, state: String)] {
        let rows = try await connection.query(
            """
            UPDATE weave_tasks AS t
            SET state = CASE WHEN t.attempt >= t.max_attempts THEN 'failed' ELSE 'available' END,
                failure = 'failed', error = 'the lease of worker ' || t.worker || ' ran out: the worker died or hung',
                lease_until = NULL, run_after = now(), updated_at = now()
            FROM (
                SELECT id FROM weave_tasks WHERE state = 'running' AND lease_until < now() FOR UPDATE SKIP LOCKED
            ) AS e
            WHERE t.id = e.id
            RETURNING t.id, t.worker, t.state
            """, logger: logger)
        var reaped: [(id: Int64, worker: String, state: String)] = []
        for try await (id, worker, state) in rows.decode((Int64, String, String).self) {
            reaped.append((id, worker, state))
        }
        return reaped
    }

    /// Takes `caller`'s finished tasks numbered `oldest` or above in one statement (the
    /// number bound keeps the scan off the dead index entries of tasks delivered before
    /// it, which only a vacuum removes): deletes the done ones, returning
    /// their results, and marks the failed ones reported, returning their errors (their
    /// rows stay).
    static func takeFinished(caller: String, from oldest: Int64, on connection: PostgresConnection, logger: Logger)
        async throws -> [FinishedTask] {
        let rows = try await connection.query(
            """
            WITH done AS (
                DELETE FROM weave_tasks WHERE caller = \(caller) AND seq >= \(oldest) AND state = 'done'
                RETURNING seq, result, NULL::text AS function, 0 AS attempt, NULL::text AS worker,
                    NULL::text AS error, NULL::text AS failure
            ), failed AS (
                UPDATE weave_tasks SET reported = true
                WHERE caller = \(caller) AND seq >= \(oldest) AND state = 'failed' AND NOT reported
                RETURNING seq, NULL::bytea, function, attempt, worker, coalesce(error, ''), coalesce(failure, 'failed')
            )
            SELECT * FROM done UNION ALL SELECT * FROM failed
            """, logger: logger)
        var finished: [FinishedTask] = []
        for try await (seq, result, function, attempt, worker, error, failure) in rows.decode(
            (Int64, ByteBuffer?, String?, Int, String?, String?, String?).self) {
            if let function, let error, let failure {
                let taskError = DistributedTaskError(
                    reason: reason(named: failure), function: function, attempts: attempt, worker: worker, message: error)
                finished.append(FinishedTask(seq: seq, outcome: .failure(taskError)))
            } else {
                finished.append(FinishedTask(seq: seq, outcome: .success(result.map { Array(buffer: $0) } ?? [])))
            }
        }
        return finished
    }

    /// Deletes the failed tasks of `queue`, and the results no pool took back (their pool
    /// closed or died first), last changed more than `age` ago; returns how many.
    static func purgeFinished(queue: String, olderThan age: Duration, on connection: PostgresConnection, logger: Logger)
        async throws -> Int {
        let rows = try await connection.query(
            """
            WITH purged AS (
                DELETE FROM weave_tasks
                WHERE queue = \(queue) AND state IN ('failed', 'done')
                    AND updated_at < now() - \(milliseconds(age)) * interval '1 millisecond'
                RETURNING 1
            )
            SELECT count(*) FROM purged
            """, logger: logger)
        var count = 0
        for try await purged in rows.decode(Int.self) { count = purged }
        return count
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        duration.weaveSeconds * 1000
    }

    private static func failureName(_ reason: DistributedTaskError.Reason) -> String {
        switch reason {
        case .failed: "failed"
        case .unknownFunction: "unknown_function"
        case .mismatchedTypes: "mismatched_types"
        }
    }

    private static func reason(named name: String) -> DistributedTaskError.Reason {
        switch name {
        case "unknown_function": .unknownFunction
        case "mismatched_types": .mismatchedTypes
        default: .failed
        }
    }
}
