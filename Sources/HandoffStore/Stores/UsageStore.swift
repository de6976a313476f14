import Foundation
import HandoffCore
import PostgresNIO

/// Metered usage, derived from the rows it meters: a lead is one row however
/// often its request was replayed, and a delivery is one row however many
/// attempts it took, so nothing is counted twice.
///
/// Closed days are read from `usage_daily`, where the retention worker rolls
/// each tenant's days up before it prunes what they counted; only the days
/// after the tenant's mark (`usage_rollups`, the open day or two) are counted
/// from the live rows. So a closed period's figures stay what they were after
/// its deliveries are pruned or a lead is reassigned. A tenant never rolled
/// up is read live throughout.
public struct UsageStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// One tenant's usage per UTC day in [from, to), and active owners per month.
    public func daily(tenantID: UUID, from: Date, to: Date) async throws -> [UsageRow] {
        let (fromDay, toDay) = (UsageDay.label(from), UsageDay.label(to))
        return try await database.tenant(tenantID) { connection in
            var rolledUpUntil: Date?
            for try await (until,) in try await connection.query(
                "SELECT rolled_up_until FROM usage_rollups WHERE tenant_id = \(tenantID)", logger: database.logger
            ).decode((Date,).self) {
                rolledUpUntil = until
            }
            // The live rows count from the mark on (or from `from`, if later).
            let since = max(from, rolledUpUntil ?? from)
            let rows = try await connection.query(
                """
                WITH counted AS (
                    SELECT to_char(day::timestamp, 'YYYY-MM-DD') AS period, metric, dimension, value FROM usage_daily
                    WHERE tenant_id = \(tenantID) AND day >= \(fromDay)::date AND day < \(toDay)::date AND metric <> 'active_owners'
                    UNION ALL
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'leads_received', '', count(*)
                    FROM leads WHERE tenant_id = \(tenantID) AND created_at >= \(since) AND created_at < \(to) GROUP BY 1
                    UNION ALL
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'leads_qualified', '', count(*)
                    FROM leads WHERE tenant_id = \(tenantID) AND created_at >= \(since) AND created_at < \(to) AND status <> 'unqualified' GROUP BY 1
                    UNION ALL
                    SELECT to_char(d.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'notifications_delivered', c.type, count(*)
                    FROM deliveries d JOIN channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
                    -- A channel test (ping) is not a notification: not billed.
                    JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id AND e.type <> 'ping'
                    WHERE d.tenant_id = \(tenantID) AND d.status = 'delivered' AND d.delivered_at >= \(since) AND d.delivered_at < \(to) GROUP BY 1, 3
                ), owners AS (
                    -- A month's active owners are distinct over its days: the
                    -- rollup keeps each day's owners, not their count.
                    SELECT to_char(day::timestamp, 'YYYY-MM') AS period, dimension AS owner FROM usage_daily
                    WHERE tenant_id = \(tenantID) AND day >= \(fromDay)::date AND day < \(toDay)::date AND metric = 'active_owners'
                    UNION
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'), owner_id::text
                    FROM leads WHERE tenant_id = \(tenantID) AND created_at >= \(since) AND created_at < \(to) AND owner_id IS NOT NULL
                )
                SELECT t.name, x.period, x.metric, x.dimension, x.value FROM tenants t, LATERAL (
                    SELECT period, metric, dimension, sum(value)::bigint AS value FROM counted GROUP BY 1, 2, 3
                    UNION ALL
                    SELECT period, 'active_owners', '', count(DISTINCT owner) FROM owners GROUP BY 1
                ) x
                WHERE t.id = \(tenantID)
                ORDER BY x.period, x.metric, x.dimension
                """,
                logger: database.logger
            )
            return try await Self.decode(rows, tenantID: tenantID)
        }
    }

    /// Every tenant's usage for a UTC month: one row per tenant and metric
    /// (and channel type), zeros included, so billing sees every tenant.
    public func monthly(_ period: BillingPeriod) async throws -> [UsageRow] {
        let (from, to, label) = (period.start, period.end, period.description)
        let (fromDay, toDay) = (UsageDay.label(from), UsageDay.label(to))
        return try await database.system { connection in
            // Each tenant's rolled-up days come from usage_daily (walked per
            // tenant along its key), the rest from the live rows after its mark.
            let rows = try await connection.query(
                """
                WITH metrics(metric, dimension, position) AS (
                    VALUES ('leads_received', '', 1), ('leads_qualified', '', 2), ('notifications_delivered', 'email', 3),
                           ('notifications_delivered', 'slack', 4), ('notifications_delivered', 'webhook', 5), ('active_owners', '', 6)
                ), billed AS (
                    SELECT t.id AS tenant_id, greatest(\(from)::timestamptz, coalesce(u.rolled_up_until, '-infinity')) AS since
                    FROM tenants t LEFT JOIN usage_rollups u ON u.tenant_id = t.id
                    WHERE t.created_at < \(to)
                ), counted AS (
                    SELECT b.tenant_id, r.metric, r.dimension, r.value
                    FROM billed b JOIN usage_daily r ON r.tenant_id = b.tenant_id
                    WHERE r.day >= \(fromDay)::date AND r.day < \(toDay)::date AND r.metric <> 'active_owners'
                    UNION ALL
                    SELECT b.tenant_id, 'leads_received', '', count(*)
                    FROM billed b JOIN leads l ON l.tenant_id = b.tenant_id AND l.created_at >= b.since AND l.created_at < \(to) GROUP BY 1
                    UNION ALL
                    SELECT b.tenant_id, 'leads_qualified', '', count(*)
                    FROM billed b JOIN leads l ON l.tenant_id = b.tenant_id AND l.created_at >= b.since AND l.created_at < \(to)
                    WHERE l.status <> 'unqualified' GROUP BY 1
                    UNION ALL
                    SELECT b.tenant_id, 'notifications_delivered', c.type, count(*)
                    FROM billed b
                    JOIN deliveries d ON d.tenant_id = b.tenant_id AND d.status = 'delivered' AND d.delivered_at >= b.since AND d.delivered_at < \(to)
                    JOIN channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
                    JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id AND e.type <> 'ping'  -- tests are not billed
                    GROUP BY 1, 3
                    UNION ALL
                    SELECT tenant_id, 'active_owners', '', count(DISTINCT owner) FROM (
                        SELECT b.tenant_id, r.dimension AS owner
                        FROM billed b JOIN usage_daily r ON r.tenant_id = b.tenant_id
                        WHERE r.day >= \(fromDay)::date AND r.day < \(toDay)::date AND r.metric = 'active_owners'
                        UNION
                        SELECT b.tenant_id, l.owner_id::text
                        FROM billed b JOIN leads l ON l.tenant_id = b.tenant_id AND l.created_at >= b.since AND l.created_at < \(to)
                        WHERE l.owner_id IS NOT NULL
                    ) o GROUP BY 1
                ), counts AS (
                    SELECT tenant_id, metric, dimension, sum(value)::bigint AS value FROM counted GROUP BY 1, 2, 3
                )
                SELECT t.id, t.name, \(label), m.metric, m.dimension, coalesce(c.value, 0)
                FROM tenants t CROSS JOIN metrics m
                LEFT JOIN counts c ON c.tenant_id = t.id AND c.metric = m.metric AND c.dimension = m.dimension
                WHERE t.created_at < \(to)
                ORDER BY t.created_at, t.id, m.position
                """,
                logger: database.logger
            )
            var result: [UsageRow] = []
            for try await (tenantID, name, period, metric, dimension, value) in rows.decode((UUID, String, String, String, String, Int64).self) {
                guard let metric = UsageMetric(rawValue: metric) else { continue }
                result.append(UsageRow(tenantID: tenantID, tenantName: name, period: period, metric: metric, dimension: dimension, value: Int(value)))
            }
            return result
        }
    }

    private static func decode(_ rows: PostgresRowSequence, tenantID: UUID) async throws -> [UsageRow] {
        var result: [UsageRow] = []
        for try await (name, period, metric, dimension, value) in rows.decode((String, String, String, String, Int64).self) {
            guard let metric = UsageMetric(rawValue: metric) else { continue }
            result.append(UsageRow(tenantID: tenantID, tenantName: name, period: period, metric: metric, dimension: dimension, value: Int(value)))
        }
        return result
    }
}
