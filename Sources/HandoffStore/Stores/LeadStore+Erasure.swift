import Foundation
import HandoffCore
import PostgresNIO

/// How `DELETE /v1/leads/{id}` went.
public enum LeadErasureResult: Sendable, Equatable {
    case erased
    /// Erased before; nothing changed (erasure is idempotent, like DELETE).
    case alreadyErased
    case notFound
}

extension LeadStore {
    /// The note a cancelled delivery of an erased lead carries.
    public static let erasedDeliveryError = "cancelled: the lead was erased; nothing more is sent about it"
    /// What replaces an error text of an erased lead's delivery (it may quote the receiver's answer).
    public static let erasedAttemptError = "removed: the lead was erased"

    /// Erases the lead's personal data everywhere it was copied, in one
    /// transaction, and keeps an anonymous tombstone: status, owner, funnel,
    /// score, the SLA timings and `created_at`, which reports and usage count.
    ///
    /// - the lead's external id, e-mail, name and phone become null, its
    ///   answers and attributes empty, and its routing trace (whose lines may
    ///   quote answers and attributes) is cleared;
    /// - the lead inside every stored event payload gets the same treatment,
    ///   so the event log, the timeline and any retried delivery carry none;
    /// - pending deliveries are cancelled (`failed`, saying why) and pending
    ///   timers too: nobody can act on an anonymous lead, so nothing more is
    ///   announced about it, and its owner's open-lead count is freed;
    /// - error texts of its deliveries and attempts (receivers' answers,
    ///   which may echo the payload) are replaced;
    /// - stored Idempotency-Key replays that contain the lead are dropped.
    ///
    /// The lead row is locked first, as the timer engine and responses lock
    /// it, so an engine firing the lead meanwhile commits before this reads
    /// its events, or waits and finds its timers cancelled.
    public func erase(leadID: UUID, tenantID: UUID, now: Date) async throws -> LeadErasureResult {
        try await database.tenant(tenantID) { connection in
            var found: (status: String, owner: UUID?, erasedAt: Date?)?
            for try await row in try await connection.query(
                "SELECT status, owner_id, erased_at FROM leads WHERE tenant_id = \(tenantID) AND id = \(leadID) FOR NO KEY UPDATE",
                logger: database.logger
            ).decode((String, UUID?, Date?).self) {
                found = row
            }
            guard let lead = found else { return .notFound }
            guard lead.erasedAt == nil else { return .alreadyErased }

            try await cancelPendingTimers(leadID, tenantID: tenantID, now: now, on: connection)
            if lead.status == LeadSnapshot.Status.assigned.rawValue, let owner = lead.owner {
                try await adjustLoad(owner, by: -1, tenantID: tenantID, on: connection)
            }
            try await connection.query(
                """
                UPDATE leads SET external_id = NULL, email = NULL, name = NULL, phone = NULL,
                    answers = '{}', attributes = '{}',
                    routing = CASE WHEN routing IS NULL THEN NULL ELSE jsonb_set(routing, '{trace}', '[]') END,
                    erased_at = \(now), updated_at = \(now)
                WHERE tenant_id = \(tenantID) AND id = \(leadID)
                """,
                logger: database.logger
            )
            // The timestamp as every payload writes its times (RFC 3339, milliseconds).
            let erasedAt = RFC3339Timestamp.format(now)
            try await connection.query(
                """
                UPDATE events SET payload = jsonb_set(payload, '{data,lead}', (payload #> '{data,lead}') || jsonb_build_object(
                    'external_id', NULL, 'email', NULL, 'name', NULL, 'phone', NULL,
                    'answers', '{}'::jsonb, 'attributes', '{}'::jsonb, 'erased_at', \(erasedAt)::text))
                WHERE tenant_id = \(tenantID) AND lead_id = \(leadID) AND jsonb_typeof(payload #> '{data,lead}') = 'object'
                """,
                logger: database.logger
            )
            try await connection.query(
                """
                UPDATE deliveries d SET status = 'failed', last_error = \(Self.erasedDeliveryError), updated_at = \(now)
                FROM events e
                WHERE d.tenant_id = \(tenantID) AND d.status = 'pending'
                  AND e.tenant_id = d.tenant_id AND e.id = d.event_id AND e.lead_id = \(leadID)
                """,
                logger: database.logger
            )
            // A receiver's answer is quoted in the attempt log and may echo
            // the payload it was sent; the status code and timing stay.
            try await connection.query(
                """
                WITH of_lead AS (
                    SELECT d.id FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
                    WHERE d.tenant_id = \(tenantID) AND e.lead_id = \(leadID)
                ), attempts AS (
                    UPDATE delivery_attempts a SET error = \(Self.erasedAttemptError)
                    FROM of_lead WHERE a.tenant_id = \(tenantID) AND a.delivery_id = of_lead.id AND a.error IS NOT NULL
                )
                UPDATE deliveries d SET last_error = \(Self.erasedAttemptError)
                FROM of_lead WHERE d.tenant_id = \(tenantID) AND d.id = of_lead.id
                  AND d.last_error IS NOT NULL AND d.last_error <> \(Self.erasedDeliveryError)
                """,
                logger: database.logger
            )
            // Replays are kept a day (retention prunes them after); the ones
            // that answered with this lead, or were about it, go now.
            let id = leadID.lowercasedString
            try await connection.query(
                """
                DELETE FROM idempotency_keys
                WHERE tenant_id = \(tenantID)
                  AND (path LIKE \("/v1/leads/\(id)/%")
                       OR position(convert_to(\(id), 'UTF8') IN coalesce(response_body, ''::bytea)) > 0)
                """,
                logger: database.logger
            )
            return .erased
        }
    }
}
