import Foundation
import HandoffCore
import PostgresNIO

/// Reads a tenant's whole configuration in one round trip: what intake routes
/// with. Callers normally go through `ConfigurationCache`.
public struct TenantConfigurationStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func load(tenantID: UUID) async throws -> TenantConfiguration {
        try await database.tenant(tenantID) { connection in
            try await load(tenantID: tenantID, on: connection)
        }
    }

    public func load(tenantID: UUID, on connection: PostgresConnection) async throws -> TenantConfiguration {
        let kinds: [ConfigKind] = [.owner, .team, .calendar, .slaPolicy, .funnel, .routingRule, .channel]
        let columns = kinds.map { kind in
            let table = ConfigTable.of(kind)
            return "(SELECT coalesce(jsonb_agg(\(table.json) ORDER BY r.id), '[]')::text FROM \(table.table) r WHERE r.tenant_id = $1)"
        }
        var binds = PostgresBindings()
        binds.append(tenantID)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT " + columns.joined(separator: ", "), binds: binds), logger: database.logger)
        for try await (owners, teams, calendars, policies, funnels, rules, channels) in rows.decode((String, String, String, String, String, String, String).self) {
            return TenantConfiguration(
                owners: try Self.decode(owners), teams: try Self.decode(teams), calendars: try Self.decode(calendars),
                policies: try Self.decode(policies), funnels: try Self.decode(funnels), rules: try Self.decode(rules),
                channels: try Self.decode(channels)
            )
        }
        return TenantConfiguration(owners: [], teams: [], calendars: [], policies: [], funnels: [], rules: [], channels: [])
    }

    private static func decode<Record: Decodable>(_ json: String) throws -> [Record] {
        try WireJSON.decode([Record].self, from: Data(json.utf8))
    }
}
