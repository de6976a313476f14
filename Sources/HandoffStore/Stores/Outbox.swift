import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// An event to store, with the tenant and lead it belongs to.
struct OutboxEvent {
    var tenantID: UUID
    var leadID: UUID
    var event: HandoffEvent
}

/// A delivery of a stored event to one channel.
struct OutboxDelivery {
    var tenantID: UUID
    var delivery: PlannedDelivery
}

/// The outbox: events and the deliveries they fan out to, written in the
/// caller's transaction, in one statement, for any number of leads and
/// tenants. The dispatcher reads `deliveries`; a NOTIFY trigger wakes it.
/// (The intake procedure, `handoff_intake_lead` in sql/, writes the same two
/// rows in SQL, because intake runs in one round trip.)
enum Outbox {
    static func insert(
        _ events: [OutboxEvent], deliveries: [OutboxDelivery], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !events.isEmpty else { return }
        let payloads = try events.map { String(decoding: try $0.event.encodedJSON(), as: UTF8.self) }
        try await connection.query(
            """
            WITH events AS (
                INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
                SELECT e.tenant_id, e.id, e.type, e.lead_id, e.payload::jsonb, e.created_at
                FROM unnest(\(events.map(\.tenantID))::uuid[], \(events.map(\.event.id))::uuid[],
                            \(events.map(\.event.type.rawValue))::text[], \(events.map(\.leadID))::uuid[], \(payloads)::text[],
                            \(events.map(\.event.createdAt))::timestamptz[])
                     AS e(tenant_id, id, type, lead_id, payload, created_at)
            )
            INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
            SELECT d.tenant_id, d.id, d.event_id, d.channel_id, now(), now(), now()
            FROM unnest(\(deliveries.map(\.tenantID))::uuid[], \(deliveries.map(\.delivery.id))::uuid[],
                        \(deliveries.map(\.delivery.eventID))::uuid[], \(deliveries.map(\.delivery.channelID))::uuid[])
                 AS d(tenant_id, id, event_id, channel_id)
            """,
            logger: logger
        )
    }
}
