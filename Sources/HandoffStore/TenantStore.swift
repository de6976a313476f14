import Foundation
import HandoffCore
import PostgresNIO

/// Tenants, for the operator. Runs in the system scope: the operator sees all.
public struct TenantStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Creates the tenant and its first admin key in one transaction.
    public func create(name: String, now: Date = Date()) async throws -> (Tenant, APIKey, APIKeySecret) {
        let tenant = Tenant(id: .v7(at: now), name: name, status: .active, createdAt: now)
        let secret = APIKeySecret.generate()
        let key = APIKey(
            id: .v7(at: now), tenantID: tenant.id, name: "Initial admin key", prefix: secret.prefix,
            scopes: [.admin], createdAt: now, revokedAt: nil
        )
        try await database.system { connection in
            try await connection.query(
                "INSERT INTO tenants (id, name, status, created_at, updated_at) VALUES (\(tenant.id), \(tenant.name), 'active', \(now), \(now))",
                logger: database.logger
            )
            try await APIKeyStore.insert(key, hash: secret.hash, on: connection, logger: database.logger)
        }
        return (tenant, key, secret)
    }

    public func list(page: PageRequest) async throws -> (tenants: [Tenant], next: String?) {
        let rows = try await database.system { connection in
            try await Self.decode(connection.query(
                """
                SELECT id, name, status, created_at FROM tenants
                WHERE \(page.after)::uuid IS NULL OR id > \(page.after)
                ORDER BY id LIMIT \(page.limit + 1)
                """,
                logger: database.logger
            ))
        }
        let (tenants, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (tenants, next)
    }

    public func get(_ id: UUID) async throws -> Tenant? {
        try await database.system { connection in
            try await Self.decode(connection.query(
                "SELECT id, name, status, created_at FROM tenants WHERE id = \(id)", logger: database.logger
            )).first
        }
    }

    /// Applies the fields given; nil when no such tenant.
    public func update(_ id: UUID, name: String?, status: TenantStatus?, now: Date = Date()) async throws -> Tenant? {
        try await database.system { connection in
            let tenant = try await Self.decode(connection.query(
                """
                UPDATE tenants SET name = coalesce(\(name), name), status = coalesce(\(status?.rawValue), status), updated_at = \(now)
                WHERE id = \(id)
                RETURNING id, name, status, created_at
                """,
                logger: database.logger
            )).first
            if tenant != nil {
                // A suspension must reach every process's key cache with the commit.
                try await connection.query("SELECT pg_notify(\(APIKeyCache.channel), \(id.lowercasedString))", logger: database.logger)
            }
            return tenant
        }
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, name, status, createdAt) in rows.decode((UUID, String, String, Date).self) {
            tenants.append(Tenant(id: id, name: name, status: TenantStatus(rawValue: status) ?? .suspended, createdAt: createdAt))
        }
        return tenants
    }
}
