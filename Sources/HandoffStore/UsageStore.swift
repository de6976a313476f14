import Foundation
import HandoffCore
import PostgresNIO

/// Metered usage, derived from the rows it meters: a lead is one row however
/// often its request was replayed, and a delivery is one row however many
/// attempts it took, so nothing is counted twice.
public struct UsageStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// One tenant's usage per UTC day in [from, to), and active owners per month.
    public func daily(tenantID: UUID, from: Date, to: Date) async throws -> [UsageRow] {
        try await database.tenant(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT t.name, x.period, x.metric, x.dimension, x.value FROM tenants t, LATERAL (
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, 'leads_received' AS metric, '' AS dimension, count(*) AS value
                    FROM leads WHERE tenant_id = t.id AND created_at >= \(from) AND created_at < \(to) GROUP BY 1
                    UNION ALL
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'leads_qualified', '', count(*)
                    FROM leads WHERE tenant_id = t.id AND created_at >= \(from) AND created_at < \(to) AND status <> 'unqualified' GROUP BY 1
                    UNION ALL
                    SELECT to_char(d.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'notifications_delivered', c.type, count(*)
                    FROM deliveries d JOIN channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
                    WHERE d.tenant_id = t.id AND d.status = 'delivered' AND d.delivered_at >= \(from) AND d.delivered_at < \(to) GROUP BY 1, 3
                    UNION ALL
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'), 'active_owners', '', count(DISTINCT owner_id)
                    FROM leads WHERE tenant_id = t.id AND created_at >= \(from) AND created_at < \(to) AND owner_id IS NOT NULL GROUP BY 1
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
        return try await database.system { connection in
            let rows = try await connection.query(
                """
                WITH metrics(metric, dimension, position) AS (
                    VALUES ('leads_received', '', 1), ('leads_qualified', '', 2), ('notifications_delivered', 'email', 3),
                           ('notifications_delivered', 'slack', 4), ('notifications_delivered', 'webhook', 5), ('active_owners', '', 6)
                ), counts AS (
                    SELECT tenant_id, 'leads_received' AS metric, '' AS dimension, count(*) AS value
                    FROM leads WHERE created_at >= \(from) AND created_at < \(to) GROUP BY 1
                    UNION ALL
                    SELECT tenant_id, 'leads_qualified', '', count(*)
                    FROM leads WHERE created_at >= \(from) AND created_at < \(to) AND status <> 'unqualified' GROUP BY 1
                    UNION ALL
                    SELECT d.tenant_id, 'notifications_delivered', c.type, count(*)
                    FROM deliveries d JOIN channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
                    WHERE d.status = 'delivered' AND d.delivered_at >= \(from) AND d.delivered_at < \(to) GROUP BY 1, 3
                    UNION ALL
                    SELECT tenant_id, 'active_owners', '', count(DISTINCT owner_id)
                    FROM leads WHERE created_at >= \(from) AND created_at < \(to) AND owner_id IS NOT NULL GROUP BY 1
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
