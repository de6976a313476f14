import Foundation
import PostgresNIO

/// An owner's open leads — assigned and not yet answered or moved away — kept
/// in `owner_load`, spread over slots (see `sql/0003_owner_load_slots.sql`).
///
/// Every change is made in the transaction that assigns, answers or moves the
/// lead, so the count is exact after a crash. A change lands in a random slot:
/// concurrent leads of one owner rarely wait for each other's commit.
enum OwnerLoad {
    static let slots = 8

    /// A slot for the next change; the CHECK on `owner_load.slot` matches.
    static func randomSlot() -> Int16 { Int16.random(in: 0..<Int16(slots)) }

    /// SQL for the open leads of the owner row `alias` (never negative):
    /// `handoff_open_leads` (sql/0013), which intake's `handoff_routing_state`
    /// calls too.
    static func openLeads(of alias: String) -> String {
        "handoff_open_leads(\(alias).tenant_id, \(alias).id)"
    }

    /// Every owner of the tenant with their open leads, 0 included.
    static func counts(tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID: Int] {
        let rows = try await connection.query(
            "SELECT o.id, \(unescaped: openLeads(of: "o"))::bigint FROM owners o WHERE o.tenant_id = \(tenantID)",
            logger: logger
        )
        var result: [UUID: Int] = [:]
        for try await (id, count) in rows.decode((UUID, Int64).self) { result[id] = Int(count) }
        return result
    }

    /// Adds `delta` to the owner's count.
    static func adjust(_ ownerID: UUID, by delta: Int, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO owner_load AS l (tenant_id, owner_id, slot, delta) VALUES (\(tenantID), \(ownerID), \(randomSlot()), \(delta))
            ON CONFLICT (tenant_id, owner_id, slot) DO UPDATE SET delta = l.delta + excluded.delta
            """,
            logger: logger
        )
    }
}
