import Foundation
import HandoffCore
import PostgresNIO

/// Webhook signing secrets written before they were sealed (plain `whsec_…`).
///
/// A migration cannot seal them: it does not know HANDOFF_SECRET_KEY. So
/// `serve` and `worker` seal them when they start, and until then (a rolling
/// deploy, an older process still writing) an unsealed value is read as it is
/// (`SealedSecret.open`). Sealing twice is harmless: a row is only replaced
/// while it still holds the plain value that was read.
public struct ChannelSecretStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// How many secrets were sealed.
    @discardableResult
    public func sealUnsealedSecrets(with key: SecretKey) async throws -> Int {
        try await database.system { connection in
            var tenants: [UUID] = [], ids: [UUID] = [], plain: [String] = []
            for try await (tenantID, id, secret) in try await connection.query(
                "SELECT tenant_id, id, secret FROM channels WHERE secret IS NOT NULL AND NOT starts_with(secret, \(SealedSecret.prefix))",
                logger: database.logger
            ).decode((UUID, UUID, String).self) {
                tenants.append(tenantID)
                ids.append(id)
                plain.append(secret)
            }
            guard !ids.isEmpty else { return 0 }
            let sealed = plain.map { SealedSecret.seal($0, with: key) }
            try await connection.query(
                """
                UPDATE channels c SET secret = s.sealed
                FROM unnest(\(tenants)::uuid[], \(ids)::uuid[], \(plain)::text[], \(sealed)::text[]) AS s(tenant_id, id, plain, sealed)
                WHERE c.tenant_id = s.tenant_id AND c.id = s.id AND c.secret = s.plain
                """,
                logger: database.logger
            )
            return ids.count
        }
    }
}
