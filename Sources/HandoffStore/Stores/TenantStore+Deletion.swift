import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// How `DELETE /v1/tenants/{id}` went.
public enum TenantDeletionResult: Sendable, Equatable {
    case deleted
    /// Still active: its keys work and its data is still being written. The
    /// operator suspends it first, so nothing new arrives while it goes.
    case active
    case notFound
}

extension TenantStore {
    /// Deletes a suspended tenant and every row it owns, in every table, in
    /// one transaction: the tenant is either gone whole or untouched, never
    /// half deleted with its keys still valid. The tables are read from the
    /// catalog (every table with a `tenant_id`) and emptied in foreign-key
    /// order (`TenantDeletionPlan`), so a table a later migration adds goes
    /// too. The deletes follow `(tenant_id, …)` keys; for a very large
    /// tenant this is one long transaction, which suspension makes harmless:
    /// nothing else writes its rows meanwhile.
    public func delete(_ id: UUID) async throws -> TenantDeletionResult {
        try await database.system { connection in
            var status: String?
            for try await (current,) in try await connection.query(
                "SELECT status FROM tenants WHERE id = \(id) FOR UPDATE", logger: database.logger
            ).decode((String,).self) {
                status = current
            }
            guard let status else { return .notFound }
            guard status == TenantStatus.suspended.rawValue else { return .active }

            for table in try await Self.tenantTablesInDeletionOrder(on: connection, logger: database.logger) {
                try await connection.query(
                    "DELETE FROM \(unescaped: Self.quoted(table)) WHERE tenant_id = \(id)", logger: database.logger
                )
            }
            try await connection.query("DELETE FROM tenants WHERE id = \(id)", logger: database.logger)
            // Every process drops the tenant's cached keys and configuration with the commit.
            try await connection.query(
                "SELECT pg_notify(\(APIKeyCache.channel), \(id.lowercasedString)), pg_notify(\(ConfigurationStore.channel), \(id.lowercasedString))",
                logger: database.logger
            )
            return .deleted
        }
    }

    /// Every table of this schema with a `tenant_id`, referrers first.
    static func tenantTablesInDeletionOrder(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var tables: Set<String> = []
        for try await (name,) in try await connection.query(
            """
            SELECT c.relname::text FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
            """,
            logger: logger
        ).decode((String,).self) {
            tables.insert(name)
        }
        var references: [TenantDeletionPlan.Reference] = []
        for try await (from, to) in try await connection.query(
            """
            SELECT src.relname::text, dst.relname::text FROM pg_constraint k
            JOIN pg_class src ON src.oid = k.conrelid
            JOIN pg_class dst ON dst.oid = k.confrelid
            JOIN pg_namespace n ON n.oid = src.relnamespace AND n.nspname = current_schema()
            WHERE k.contype = 'f'
            """,
            logger: logger
        ).decode((String, String).self) {
            references.append(TenantDeletionPlan.Reference(from: from, to: to))
        }
        switch TenantDeletionPlan.order(tables: tables, references: references) {
        case .success(let order): return order
        case .failure(.cycle(let ring)):
            throw TenantDeletionCycle(tables: ring)
        }
    }

    /// A catalog name as a quoted SQL identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The schema has tables that refer to each other in a ring, so no order
/// deletes a tenant from them one at a time; a migration must make one of
/// those keys deferrable or cascading.
public struct TenantDeletionCycle: Error, Sendable, CustomStringConvertible {
    public var tables: [String]
    public var description: String { "tables refer to each other in a ring: \(tables.joined(separator: ", "))" }
}
