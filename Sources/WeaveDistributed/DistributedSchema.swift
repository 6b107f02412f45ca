import Logging
import PostgresNIO

/// The tables, indexes and triggers the library keeps in the database, created and
/// upgraded by the library itself.
///
/// `weave_schema` holds one row: the version the database is at. Every pool and worker
/// migrates on connecting, inside one transaction that holds an advisory lock, so that
/// many machines starting at once migrate once. Each migration's statements are fixed
/// text: nothing read from the database is ever run.
///
/// `weave_tasks` holds one row per task. `state` goes `available` → `running` (a claim
/// with a lease) → `done` (the caller deletes the row as it takes the result) or back to
/// `available` (a retry or an expired lease) or `failed` (kept for inspection). Triggers
/// notify the `weave_tasks` channel when rows become available (payload: the queue) and
/// each caller's channel when its tasks finish.
///
/// Every task leaves dead row versions behind (each state change rewrites the row), so
/// the table asks autovacuum to run after 1% of it changes rather than 20%, without
/// throttling; callers look their results up by task number from the oldest they await,
/// which keeps that lookup off the dead index entries of earlier tasks in between.
enum DistributedSchema {
    /// The version this program's migrations reach.
    static let version = 1
    /// The advisory lock key migrations hold: "weave" in ASCII.
    static let lockKey: Int64 = 0x77_65_61_76_65
    /// The channel workers listen on.
    static let workChannel = "weave_tasks"

    /// The statements of each migration, version 1 first.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE weave_tasks (
                id bigserial PRIMARY KEY,
                queue text NOT NULL,
                caller text NOT NULL,
                seq bigint NOT NULL,
                function text NOT NULL,
                input bytea NOT NULL,
                state text NOT NULL DEFAULT 'available'
                    CHECK (state IN ('available', 'running', 'done', 'failed')),
                attempt integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                run_after timestamptz NOT NULL DEFAULT now(),
                lease_until timestamptz,
                worker text,
                result bytea,
                error text,
                failure text,
                reported boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (caller, seq)
            )
            """,
            """
            ALTER TABLE weave_tasks SET (
                autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_cost_delay = 0
            )
            """,
            "CREATE INDEX weave_tasks_available ON weave_tasks (queue, id) WHERE state = 'available'",
            "CREATE INDEX weave_tasks_running ON weave_tasks (worker, lease_until) WHERE state = 'running'",
            "CREATE INDEX weave_tasks_finished ON weave_tasks (caller, seq) WHERE state IN ('done', 'failed') AND NOT reported",
            """
            CREATE FUNCTION weave_tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('weave_tasks', q.queue)
                    FROM (SELECT DISTINCT queue FROM changed WHERE state = 'available') AS q;
                PERFORM pg_notify('weave_done_' || c.caller, '')
                    FROM (SELECT DISTINCT caller FROM changed WHERE state IN ('done', 'failed') AND NOT reported) AS c;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER weave_tasks_inserted AFTER INSERT ON weave_tasks
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION weave_tasks_notify()
            """,
            """
            CREATE TRIGGER weave_tasks_updated AFTER UPDATE ON weave_tasks
                REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION weave_tasks_notify()
            """,
        ],
    ]

    /// Brings the database to ``version`` in one transaction under the advisory lock.
    /// - Throws: ``DistributedError`` `schemaTooNew` when the database is ahead of this
    ///   program; postgres-nio's errors when the database fails.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS weave_schema (version integer NOT NULL)", logger: logger)
            var current = 0
            for try await stored in try await connection.query("SELECT version FROM weave_schema", logger: logger)
                .decode(Int.self) {
                current = stored
            }
            guard current <= version else {
                throw DistributedError(
                    .schemaTooNew,
                    "the database's Weave schema is version \(current), this program knows up to \(version)")
            }
            for next in current..<version {
                for statement in migrations[next] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                logger.info("migrated the Weave schema", metadata: ["version": "\(next + 1)"])
            }
            if current == 0 {
                try await connection.query("INSERT INTO weave_schema (version) VALUES (\(version))", logger: logger)
            } else if current < version {
                try await connection.query("UPDATE weave_schema SET version = \(version)", logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
