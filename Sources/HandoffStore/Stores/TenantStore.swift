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

    public func list(page: PageRequest, now: Date = Date()) async throws -> (tenants: [Tenant], next: String?) {
        let rows = try await database.system { connection in
            try await Self.decode(connection.query(
                """
                SELECT t.id, t.name, t.status, t.created_at, t.send_quota_per_day,
                       (SELECT coalesce(sum(c.sent), 0) FROM send_counts c
                        WHERE c.tenant_id = t.id AND c.day = (\(now)::timestamptz AT TIME ZONE 'UTC')::date)::bigint
                FROM tenants t
                WHERE \(page.after)::uuid IS NULL OR t.id > \(page.after)
                ORDER BY t.id LIMIT \(page.limit + 1)
                """,
                logger: database.logger
            ))
        }
        let (tenants, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (tenants, next)
    }

    /// `sendsToday` counts the UTC day of `now`.
    public func get(_ id: UUID, now: Date = Date()) async throws -> Tenant? {
        try await database.system { connection in
            try await Self.decode(connection.query(
                """
                SELECT t.id, t.name, t.status, t.created_at, t.send_quota_per_day,
                       (SELECT coalesce(sum(c.sent), 0) FROM send_counts c
                        WHERE c.tenant_id = t.id AND c.day = (\(now)::timestamptz AT TIME ZONE 'UTC')::date)::bigint
                FROM tenants t WHERE t.id = \(id)
                """,
                logger: database.logger
            )).first
        }
    }

    /// Applies the fields given; nil when no such tenant.
    public func update(_ id: UUID, name: String?, status: TenantStatus?, sendQuotaPerDay: Int? = nil, now: Date = Date()) async throws -> Tenant? {
        try await database.system { connection in
            let tenant = try await Self.decode(connection.query(
                """
                UPDATE tenants t SET name = coalesce(\(name), name), status = coalesce(\(status?.rawValue), status),
                    send_quota_per_day = coalesce(\(sendQuotaPerDay), send_quota_per_day), updated_at = \(now)
                WHERE t.id = \(id)
                RETURNING t.id, t.name, t.status, t.created_at, t.send_quota_per_day,
                    (SELECT coalesce(sum(c.sent), 0) FROM send_counts c
                     WHERE c.tenant_id = t.id AND c.day = (\(now)::timestamptz AT TIME ZONE 'UTC')::date)::bigint
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
        for try await (id, name, status, createdAt, quota, sendsToday) in rows.decode((UUID, String, String, Date, Int, Int).self) {
            tenants.append(Tenant(
                id: id, name: name, status: TenantStatus(rawValue: status) ?? .suspended, createdAt: createdAt,
                sendQuotaPerDay: quota, sendsToday: sendsToday
            ))
        }
        return tenants
    }
}
