import Foundation
import HandoffCore
import PostgresNIO

/// A key presented with a request, resolved to who holds it.
public struct AuthenticatedKey: Sendable, Equatable {
    public var key: APIKey
    public var tenantStatus: TenantStatus
}

public struct APIKeyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Finds the key a request presented. Looked up by prefix, then the hash is
    /// compared in constant time; nil for unknown, mismatched or revoked keys.
    public func authenticate(_ secret: APIKeySecret) async throws -> AuthenticatedKey? {
        guard let (key, storedHash) = try await lookup(secret),
              constantTimeEquals(storedHash, secret.hash),
              key.key.revokedAt == nil
        else { return nil }
        return key
    }

    /// The key with the presented prefix and its stored hash, unchecked.
    public func lookup(_ secret: APIKeySecret) async throws -> (AuthenticatedKey, Data)? {
        try await database.system { connection in
            var result: (AuthenticatedKey, Data)?
            for try await (id, tenantID, name, prefix, hash, scopes, createdAt, revokedAt, status) in try await connection.query(
                """
                SELECT k.id, k.tenant_id, k.name, k.prefix, k.secret_hash, k.scopes, k.created_at, k.revoked_at, t.status
                FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                WHERE k.prefix = \(secret.prefix)
                """,
                logger: database.logger
            ).decode((UUID, UUID, String, String, Data, [String], Date, Date?, String).self) {
                let key = APIKey(
                    id: id, tenantID: tenantID, name: name, prefix: prefix,
                    scopes: scopes.compactMap(Scope.init(rawValue:)), createdAt: createdAt, revokedAt: revokedAt
                )
                result = (AuthenticatedKey(key: key, tenantStatus: TenantStatus(rawValue: status) ?? .suspended), hash)
            }
            return result
        }
    }

    public func create(tenantID: UUID, name: String, scopes: [Scope], now: Date = Date()) async throws -> (APIKey, APIKeySecret) {
        let secret = APIKeySecret.generate()
        let key = APIKey(id: .v7(at: now), tenantID: tenantID, name: name, prefix: secret.prefix, scopes: scopes, createdAt: now, revokedAt: nil)
        try await database.tenant(tenantID) { connection in
            try await Self.insert(key, hash: secret.hash, on: connection, logger: database.logger)
        }
        return (key, secret)
    }

    public func list(tenantID: UUID, page: PageRequest) async throws -> (keys: [APIKey], next: String?) {
        let rows = try await database.tenant(tenantID) { connection in
            try await Self.decode(connection.query(
                """
                SELECT id, tenant_id, name, prefix, scopes, created_at, revoked_at FROM api_keys
                WHERE tenant_id = \(tenantID) AND (\(page.after)::uuid IS NULL OR id > \(page.after))
                ORDER BY id LIMIT \(page.limit + 1)
                """,
                logger: database.logger
            ))
        }
        let (keys, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (keys, next)
    }

    /// Revokes the key; revoking twice keeps the first instant. Nil when the
    /// tenant has no such key.
    public func revoke(tenantID: UUID, id: UUID, now: Date = Date()) async throws -> APIKey? {
        try await database.tenant(tenantID) { connection in
            let key = try await Self.decode(connection.query(
                """
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(now))
                WHERE tenant_id = \(tenantID) AND id = \(id)
                RETURNING id, tenant_id, name, prefix, scopes, created_at, revoked_at
                """,
                logger: database.logger
            )).first
            if key != nil {
                // Every process's key cache forgets this tenant's keys with the commit.
                try await connection.query("SELECT pg_notify(\(APIKeyCache.channel), \(tenantID.lowercasedString))", logger: database.logger)
            }
            return key
        }
    }

    static func insert(_ key: APIKey, hash: Data, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes, created_at)
            VALUES (\(key.tenantID), \(key.id), \(key.name), \(key.prefix), \(hash), \(key.scopes.map(\.rawValue)), \(key.createdAt))
            """,
            logger: logger
        )
        // Every process's key cache forgets the prefixes it found unknown.
        try await connection.query("SELECT pg_notify(\(APIKeyCache.channel), \(key.tenantID.lowercasedString))", logger: logger)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [APIKey] {
        var keys: [APIKey] = []
        for try await (id, tenantID, name, prefix, scopes, createdAt, revokedAt) in rows.decode((UUID, UUID, String, String, [String], Date, Date?).self) {
            keys.append(APIKey(
                id: id, tenantID: tenantID, name: name, prefix: prefix,
                scopes: scopes.compactMap(Scope.init(rawValue:)), createdAt: createdAt, revokedAt: revokedAt
            ))
        }
        return keys
    }
}
