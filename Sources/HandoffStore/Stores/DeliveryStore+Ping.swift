import Foundation
import HandoffCore
import PostgresNIO

/// How `POST /v1/channels/{id}/test` went.
public enum PingResult: Sendable {
    /// The ping's one delivery, pending (or failed at once: over the send quota).
    case queued(DeliveryRecord)
    /// The channel cannot be tested (`PingEvent.refusal`); nothing was stored.
    case refused(String)
    case notFound
}

extension DeliveryStore {
    /// Stores a `ping` event for the channel and its one delivery, due at
    /// `now`, in one tenant transaction. The caller raises `OutboxSignal`
    /// after it returns, so a dispatcher sends it at once. The delivery is
    /// metered by the send quota like every other (the trigger of 0007): a
    /// test is a send, and the quota is there to stop a leaked key from using
    /// the sender as a relay.
    public func queuePing(tenantID: UUID, channelID: UUID, now: Date) async throws -> PingResult {
        try await database.tenant(tenantID) { connection in
            guard let channel = try await ConfigurationStore(database: database).fetch(
                NotificationChannel.self, id: channelID, tenantID: tenantID, lock: false, on: connection
            ) else { return .notFound }
            if let refusal = PingEvent.refusal(for: channel) { return .refused(refusal) }
            let ping = PingEvent(testing: channel, tenantID: tenantID, id: .v7(at: now), now: now)
            let deliveryID = UUID.v7(at: now)
            let payload = String(decoding: ping.encodedJSON(), as: UTF8.self)
            try await connection.query(
                """
                WITH event AS (
                    INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
                    VALUES (\(tenantID), \(ping.id), \(PingEvent.type), NULL, \(payload)::jsonb, \(now))
                )
                INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
                VALUES (\(tenantID), \(deliveryID), \(ping.id), \(channelID), \(now), \(now), \(now))
                """,
                logger: database.logger
            )
            let rows = try await Self.select(
                on: connection, logger: database.logger, tenantID: tenantID,
                id: deliveryID, filter: DeliveryFilter(), after: nil, limit: 1
            )
            guard let record = rows.first else { return .notFound }
            return .queued(record)
        }
    }
}
