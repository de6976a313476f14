import Foundation
import HandoffCore
import PostgresNIO

/// Webhook signing secrets at rest: sealing the ones written before sealing
/// existed, rotating, and erasing a rotation's replaced secret once its
/// overlap is over.
///
/// Secrets written before they were sealed (plain `whsec_…`): a migration
/// cannot seal them, as it does not know HANDOFF_SECRET_KEY. So `serve` and
/// `worker` seal them when they start, and until then (a rolling deploy, an
/// older process still writing) an unsealed value is read as it is
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

/// How `POST /v1/channels/{id}/rotate-secret` went.
public enum SecretRotationResult: Sendable {
    /// The channel as the API reads it (its `secret` the new one, sealed),
    /// and the secrets as now stored.
    case rotated(NotificationChannel, SigningSecrets)
    /// Only webhooks sign; the channel is of this other type.
    case notWebhook(type: String)
    case notFound
}

extension ChannelSecretStore {
    /// Replaces the channel's secrets with what `rotate` makes of them
    /// (`SigningSecrets.rotated`), under the row's lock so that two rotations
    /// at once follow each other, in one tenant transaction.
    public func rotate(
        tenantID: UUID, channelID: UUID, now: Date,
        _ rotate: @escaping @Sendable (SigningSecrets) -> SigningSecrets
    ) async throws -> SecretRotationResult {
        try await database.tenant(tenantID) { connection in
            var found: (type: String, secrets: SigningSecrets)?
            for try await (type, secret, previous, expiresAt) in try await connection.query(
                """
                SELECT type, secret, previous_secret, previous_secret_expires_at FROM channels
                WHERE tenant_id = \(tenantID) AND id = \(channelID) FOR NO KEY UPDATE
                """,
                logger: database.logger
            ).decode((String, String?, String?, Date?).self) {
                found = (type, SigningSecrets(current: secret, previous: previous, previousExpiresAt: expiresAt))
            }
            guard let found else { return .notFound }
            guard found.type == NotificationChannel.Kind.webhook.rawValue else {
                return .notWebhook(type: found.type)
            }
            let rotated = rotate(found.secrets)
            try await connection.query(
                """
                UPDATE channels
                SET secret = \(rotated.current), previous_secret = \(rotated.previous),
                    previous_secret_expires_at = \(rotated.previousExpiresAt), updated_at = \(now)
                WHERE tenant_id = \(tenantID) AND id = \(channelID)
                """,
                logger: database.logger
            )
            let configuration = ConfigurationStore(database: database)
            try await configuration.announce(tenantID, on: connection)
            guard let channel = try await configuration.fetch(
                NotificationChannel.self, id: channelID, tenantID: tenantID, lock: false, on: connection
            ) else { return .notFound }
            return .rotated(channel, rotated)
        }
    }

    /// Erases the replaced secrets whose overlap ended at or before `now`,
    /// in every tenant; how many. They stopped signing at their expiry
    /// whether erased or not (`SigningSecrets.signing(at:)`): this only
    /// keeps a secret nobody uses from lingering in the database.
    @discardableResult
    public func eraseExpiredPreviousSecrets(now: Date) async throws -> Int {
        try await database.system { connection in
            var erased = 0
            for try await _ in try await connection.query(
                """
                UPDATE channels SET previous_secret = NULL, previous_secret_expires_at = NULL
                WHERE previous_secret_expires_at <= \(now)
                RETURNING id
                """,
                logger: database.logger
            ) {
                erased += 1
            }
            return erased
        }
    }
}
