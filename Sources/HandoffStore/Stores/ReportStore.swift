import Foundation
import HandoffCore
import PostgresNIO

/// Response-time reports, computed in SQL over the leads of a time range.
public struct ReportStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func responseTimes(_ query: ResponseTimeQuery, tenantID: UUID) async throws -> [ResponseTimeRow] {
        let (join, key, label) = Self.grouping(query.grouping)
        let sql = """
            SELECT g.key, g.label, count(*)::int, count(l.sla_responded_at)::int,
                   (count(*) FILTER (WHERE l.sla_state = 'met'))::int,
                   (count(*) FILTER (WHERE l.sla_state = 'breached'))::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY l.sla_response_seconds),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY l.sla_response_seconds)
            FROM leads l
            \(join)
            CROSS JOIN LATERAL (SELECT \(key) AS key, \(label) AS label) g
            WHERE l.tenant_id = $1 AND l.created_at >= $2 AND l.created_at < $3 AND l.status <> 'unqualified'
              AND ($4::uuid IS NULL OR l.funnel_id = $4) AND ($5::uuid IS NULL OR l.owner_id = $5)
            GROUP BY g.key, g.label
            ORDER BY g.label, g.key
            """
        var binds = PostgresBindings()
        binds.append(tenantID)
        binds.append(query.from)
        binds.append(query.to)
        binds.append(query.funnelID)
        binds.append(query.ownerID)
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await database.tenant(tenantID) { connection in
            var rows: [ResponseTimeRow] = []
            let result = try await connection.query(statement, logger: database.logger)
            for try await (key, label, leads, responded, met, breached, median, p90) in result.decode((String, String, Int, Int, Int, Int, Double?, Double?).self) {
                rows.append(ResponseTimeRow(
                    key: key, label: label, leads: leads, responded: responded, met: met, breached: breached,
                    medianSeconds: median, p90Seconds: p90,
                    attainment: met + breached > 0 ? Double(met) / Double(met + breached) : nil
                ))
            }
            return rows
        }
    }

    /// The join, key and label of each grouping: constants, never input.
    private static func grouping(_ grouping: ReportGrouping) -> (join: String, key: String, label: String) {
        switch grouping {
        case .owner:
            ("LEFT JOIN owners o ON o.tenant_id = l.tenant_id AND o.id = l.owner_id",
             "coalesce(l.owner_id::text, 'unassigned')", "coalesce(o.name, 'Unassigned')")
        case .funnel:
            ("JOIN funnels f ON f.tenant_id = l.tenant_id AND f.id = l.funnel_id", "f.id::text", "f.name")
        case .team:
            // A lead counts for every team its owner belongs to.
            ("""
             JOIN team_members m ON m.tenant_id = l.tenant_id AND m.owner_id = l.owner_id
             JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
             """, "t.id::text", "t.name")
        case .day:
            // Days in the tenant's reporting time zone.
            ("JOIN tenants tn ON tn.id = l.tenant_id",
             "to_char((l.created_at AT TIME ZONE tn.reporting_timezone)::date, 'YYYY-MM-DD')",
             "to_char((l.created_at AT TIME ZONE tn.reporting_timezone)::date, 'YYYY-MM-DD')")
        }
    }
}
