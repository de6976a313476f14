import Foundation
import HandoffCore
import PostgresNIO

/// What the retention worker asks of the database: roll usage up per UTC
/// day, then delete what has outlived its retention, a few rows per statement.
///
/// Every delete is one short statement (`DELETE … WHERE ctid IN (SELECT …
/// LIMIT n)`), its own transaction: no lock is held for long, the WAL of a
/// batch is small, and a pass cut short by shutdown or an error has still
/// done what it committed. Per-tenant deletes walk the table's primary key
/// `(tenant_id, id)` below the v7 id of the cutoff (`UUID.v7Floor`), so
/// they read only old rows; the timestamp condition beside it is what decides.
public struct RetentionStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: - Usage rollup

    /// Every tenant with its rollup mark (nil: never rolled up), in id order,
    /// after `after`; a page of `limit`.
    public func tenants(after: UUID?, limit: Int) async throws -> [(id: UUID, rolledUpUntil: Date?)] {
        try await database.system { connection in
            var tenants: [(id: UUID, rolledUpUntil: Date?)] = []
            let rows = try await connection.query(
                """
                SELECT t.id, u.rolled_up_until FROM tenants t
                LEFT JOIN usage_rollups u ON u.tenant_id = t.id
                WHERE \(after)::uuid IS NULL OR t.id > \(after)
                ORDER BY t.id LIMIT \(limit)
                """,
                logger: database.logger
            )
            for try await (id, until) in rows.decode((UUID, Date?).self) { tenants.append((id, until)) }
            return tenants
        }
    }

    /// The first instant in [from, before) that usage counts: a lead's
    /// `created_at` or a delivery's `delivered_at`. Nil when there is none.
    public func nextActivity(tenantID: UUID, from: Date?, before: Date) async throws -> Date? {
        let from = from ?? .distantPast
        return try await database.tenant(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT least(
                    (SELECT min(created_at) FROM leads
                     WHERE tenant_id = \(tenantID) AND created_at >= \(from) AND created_at < \(before)),
                    (SELECT min(delivered_at) FROM deliveries
                     WHERE tenant_id = \(tenantID) AND status = 'delivered' AND delivered_at >= \(from) AND delivered_at < \(before)))
                """,
                logger: database.logger
            )
            for try await (next,) in rows.decode((Date?,).self) { return next }
            return nil
        }
    }

    /// Counts the UTC day starting at `day` into `usage_daily` and moves the
    /// tenant's mark from `expected` (nil: no mark yet) to the day's end, in
    /// one statement. Nothing counted lies between `expected` and `day`
    /// (`nextActivity` said so), so the mark may jump over those days.
    ///
    /// The mark moves only from `expected`: when another worker moved it
    /// first, nothing is written and this returns false, so a day is never
    /// counted twice. Active owners are kept one row per owner (`dimension`
    /// the owner's id), because a month's distinct owners are not the sum of
    /// its days'.
    public func rollUp(tenantID: UUID, day: Date, expected: Date?, now: Date) async throws -> Bool {
        let end = day.addingTimeInterval(86_400)
        let label = UsageDay.label(day)
        return try await database.tenant(tenantID) { connection in
            let rows = try await connection.query(
                """
                WITH mark AS (
                    INSERT INTO usage_rollups AS u (tenant_id, rolled_up_until, updated_at)
                    VALUES (\(tenantID), \(end), \(now))
                    ON CONFLICT (tenant_id) DO UPDATE SET rolled_up_until = EXCLUDED.rolled_up_until, updated_at = EXCLUDED.updated_at
                    WHERE u.rolled_up_until = \(expected)::timestamptz AND u.rolled_up_until <= \(day)
                    RETURNING 1
                ), counts (metric, dimension, value) AS (
                    SELECT 'leads_received', '', count(*) FROM leads
                    WHERE tenant_id = \(tenantID) AND created_at >= \(day) AND created_at < \(end) HAVING count(*) > 0
                    UNION ALL
                    SELECT 'leads_qualified', '', count(*) FROM leads
                    WHERE tenant_id = \(tenantID) AND created_at >= \(day) AND created_at < \(end) AND status <> 'unqualified' HAVING count(*) > 0
                    UNION ALL
                    SELECT 'notifications_delivered', c.type, count(*)
                    FROM deliveries d JOIN channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
                    -- A channel test (ping) is not a notification: not billed.
                    JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id AND e.type <> 'ping'
                    WHERE d.tenant_id = \(tenantID) AND d.status = 'delivered' AND d.delivered_at >= \(day) AND d.delivered_at < \(end)
                    GROUP BY c.type
                    UNION ALL
                    SELECT 'active_owners', owner_id::text, 1 FROM leads
                    WHERE tenant_id = \(tenantID) AND created_at >= \(day) AND created_at < \(end) AND owner_id IS NOT NULL
                    GROUP BY owner_id
                ), written AS (
                    INSERT INTO usage_daily (tenant_id, day, metric, dimension, value)
                    SELECT \(tenantID), \(label)::date, metric, dimension, value FROM counts WHERE EXISTS (SELECT FROM mark)
                    ON CONFLICT (tenant_id, day, metric, dimension) DO UPDATE SET value = EXCLUDED.value
                )
                SELECT count(*)::int FROM mark
                """,
                logger: database.logger
            )
            for try await moved in rows.decode(Int.self) { return moved > 0 }
            return false
        }
    }

    /// Moves the mark from `expected` to `until` with nothing to count in
    /// between (a tenant with no activity since); false when another worker
    /// moved it first.
    public func advance(tenantID: UUID, to until: Date, expected: Date?, now: Date) async throws -> Bool {
        try await database.tenant(tenantID) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO usage_rollups AS u (tenant_id, rolled_up_until, updated_at) VALUES (\(tenantID), \(until), \(now))
                ON CONFLICT (tenant_id) DO UPDATE SET rolled_up_until = EXCLUDED.rolled_up_until, updated_at = EXCLUDED.updated_at
                WHERE u.rolled_up_until = \(expected)::timestamptz AND u.rolled_up_until < \(until)
                RETURNING 1
                """,
                logger: database.logger
            )
            for try await _ in rows.decode(Int.self) { return true }
            return false
        }
    }

    // MARK: - Pruning, one batch per call; each returns how many rows went

    /// Idempotency keys stored before `before`, any tenant's (the operator's too).
    public func pruneIdempotencyKeys(before: Date, limit: Int) async throws -> Int {
        try await database.system { connection in
            try await Self.deleted(connection.query(
                """
                WITH gone AS (
                    DELETE FROM idempotency_keys WHERE ctid IN (
                        SELECT ctid FROM idempotency_keys WHERE created_at < \(before) LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::int FROM gone
                """,
                logger: database.logger
            ))
        }
    }

    /// Timers fired or cancelled before `before`. Nothing reads a settled
    /// timer: the engine and the lead's changes look at pending ones only.
    public func pruneSettledTimers(tenantID: UUID, before: Date, limit: Int) async throws -> Int {
        try await database.tenant(tenantID) { connection in
            try await Self.deleted(connection.query(
                """
                WITH gone AS (
                    DELETE FROM timers WHERE ctid IN (
                        SELECT ctid FROM timers
                        WHERE tenant_id = \(tenantID) AND id < \(UUID.v7Floor(at: before))
                          AND (fired_at < \(before) OR cancelled_at < \(before))
                        LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::int FROM gone
                """,
                logger: database.logger
            ))
        }
    }

    /// Delivery attempts made before `before`; their delivery may stay a
    /// while longer (a later manual retry keeps it recent).
    public func pruneAttempts(tenantID: UUID, before: Date, limit: Int) async throws -> Int {
        try await database.tenant(tenantID) { connection in
            try await Self.deleted(connection.query(
                """
                WITH gone AS (
                    DELETE FROM delivery_attempts WHERE ctid IN (
                        SELECT ctid FROM delivery_attempts
                        WHERE tenant_id = \(tenantID) AND id < \(UUID.v7Floor(at: before)) AND attempted_at < \(before)
                        LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::int FROM gone
                """,
                logger: database.logger
            ))
        }
    }

    /// Settled deliveries of events made before `before`, with whatever
    /// attempts they still have. A pending one stays (it is still to be
    /// sent), and a delivered one stays until its day is rolled up: billing
    /// counts it. A delivery's age is its event's: its own `created_at` is
    /// the database's clock where the event's is the service's.
    public func pruneDeliveries(tenantID: UUID, before: Date, limit: Int) async throws -> Int {
        try await database.tenant(tenantID) { connection in
            try await Self.deleted(connection.query(
                """
                WITH doomed AS (
                    SELECT d.ctid AS row, d.id FROM deliveries d
                    JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id AND e.created_at < \(before)
                    WHERE d.tenant_id = \(tenantID) AND d.id < \(UUID.v7Floor(at: before))
                      AND d.status <> 'pending'
                      AND (d.status <> 'delivered' OR d.delivered_at < coalesce(
                          (SELECT rolled_up_until FROM usage_rollups WHERE tenant_id = \(tenantID)), '-infinity'))
                    LIMIT \(limit)
                ), attempts AS (
                    DELETE FROM delivery_attempts a USING doomed
                    WHERE a.tenant_id = \(tenantID) AND a.delivery_id = doomed.id
                ), gone AS (
                    DELETE FROM deliveries WHERE ctid IN (SELECT row FROM doomed) RETURNING 1
                )
                SELECT count(*)::int FROM gone
                """,
                logger: database.logger
            ))
        }
    }

    /// Events made before `before` that no delivery refers to any more.
    public func pruneEvents(tenantID: UUID, before: Date, limit: Int) async throws -> Int {
        try await database.tenant(tenantID) { connection in
            try await Self.deleted(connection.query(
                """
                WITH gone AS (
                    DELETE FROM events WHERE ctid IN (
                        SELECT e.ctid FROM events e
                        WHERE e.tenant_id = \(tenantID) AND e.id < \(UUID.v7Floor(at: before)) AND e.created_at < \(before)
                          AND NOT EXISTS (SELECT FROM deliveries d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id)
                        LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::int FROM gone
                """,
                logger: database.logger
            ))
        }
    }

    private static func deleted(_ rows: PostgresRowSequence) async throws -> Int {
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
