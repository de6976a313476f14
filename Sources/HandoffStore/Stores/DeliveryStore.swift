import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// A delivery the dispatcher has claimed and now owns until `leaseUntil`:
/// the event as stored, and the channel to send it through.
public struct ClaimedDelivery: Sendable {
    public var tenantID: UUID
    public var id: UUID
    public var eventID: UUID
    public var channelID: UUID
    /// This attempt's number, from 1 (a retry starts over): what the retry
    /// schedule counts.
    public var attempt: Int
    /// When this attempt fell due: queued, retry time, or a lapsed lease's end.
    public var dueAt: Date
    /// The event JSON exactly as `events.payload` holds it; webhooks POST and
    /// sign these bytes, so every retry sends the same body.
    public var payload: [UInt8]
    /// A lead event, or a channel test (`ping`), which Slack and e-mail
    /// render differently.
    public var eventType: DeliveryEventType
    public var channelType: NotificationChannel.Kind
    /// Nil when the stored config does not decode.
    public var config: ChannelConfig?
    /// The webhook channel's signing secrets as stored: sealed with
    /// HANDOFF_SECRET_KEY (`SealedSecret`), opened only by the sender, which
    /// asks them which sign at the attempt's time (a rotation's overlap).
    public var secrets: SigningSecrets
    /// The claim's token: the outcome is recorded, and the lease renewed,
    /// only while the row still carries it (a later claim replaces it).
    public var leaseID: UUID
    /// When the lease runs out, unless renewed (`DeliveryStore.renewLease`).
    public var leaseUntil: Date

    public init(
        tenantID: UUID, id: UUID, eventID: UUID, channelID: UUID, attempt: Int, dueAt: Date, payload: [UInt8],
        eventType: DeliveryEventType, channelType: NotificationChannel.Kind, config: ChannelConfig?, secrets: SigningSecrets,
        leaseID: UUID, leaseUntil: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.eventID = eventID
        self.channelID = channelID
        self.attempt = attempt
        self.dueAt = dueAt
        self.payload = payload
        self.eventType = eventType
        self.channelType = channelType
        self.config = config
        self.secrets = secrets
        self.leaseID = leaseID
        self.leaseUntil = leaseUntil
    }
}

/// A due delivery that was failed in the claim without a send: its channel
/// was deactivated or deleted after the delivery was queued. (A channel test
/// is sent to an inactive channel all the same: testing before switching a
/// channel on is what it is for.)
public struct DroppedDelivery: Sendable, Equatable {
    public var tenantID: UUID
    public var id: UUID
    public var reason: String
}

/// What one claim took.
public struct DeliveryClaim: Sendable {
    public var claimed: [ClaimedDelivery]
    public var dropped: [DroppedDelivery]
    /// How many due rows the claim looked at; when it equals the limit, more may be due.
    public var examined: Int
}

/// How `POST /v1/deliveries/{id}/retry` went.
public enum DeliveryRetryResult: Sendable, Equatable {
    case retried(DeliveryRecord)
    case alreadyPending
    /// Delivered is final: billing counted it on the day it was delivered.
    case alreadyDelivered
    case notFound
}

/// The outbox: claiming due deliveries across tenants for the dispatcher,
/// recording attempts, and the tenant's view of the log.
///
/// A claim does not hold its transaction open over the send. It leases the
/// rows instead: in one short transaction it takes due rows with
/// `FOR UPDATE SKIP LOCKED`, moves their `next_attempt_at` to the end of the
/// lease and counts the attempt, and commits; the send happens outside any
/// transaction; a second short transaction records the attempt and the
/// outcome. A dispatcher that dies mid-send leaves the row pending with an
/// expired lease, and the next claim after it sends again: at least once,
/// which `webhook-id` (the event id) lets receivers deduplicate.
public struct DeliveryStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: - Dispatcher

    /// Claims up to `limit` deliveries due at `now` in any tenant, leasing
    /// each until `leaseUntil`. Rows another dispatcher holds are skipped,
    /// not waited for.
    ///
    /// Tenants take turns: every tenant's oldest due delivery comes before
    /// any tenant's second, so a tenant whose burst left thousands queued
    /// delays another tenant's alert by one claim, not by the burst. Rows a
    /// tenant offered beyond the claim's share stay locked only until its
    /// commit, milliseconds later. Deliveries whose channel is gone or inactive are
    /// failed here, in the same transaction, and never handed out; a channel
    /// test (`ping`) only when its channel is gone. A
    /// suspended tenant's deliveries are held: not claimed, not failed, and
    /// sent once the tenant is active again.
    ///
    /// The claim commits without waiting for its WAL flush: it sits on the
    /// dispatcher's serial path, and a lease lost in a crash costs no more
    /// than the crash itself already can (the delivery is sent again, which
    /// at-least-once delivery and `webhook-id` allow for).
    public func claim(limit: Int, now: Date, leaseUntil: Date) async throws -> DeliveryClaim {
        let leaseID = UUID()
        return try await database.system { connection in
            try await connection.query("SELECT set_config('synchronous_commit', 'off', true)", logger: database.logger)
            var claimed: [ClaimedDelivery] = []
            var dropped: [DroppedDelivery] = []
            var examined = 0
            let rows = try await connection.query(
                """
                WITH due AS (
                    SELECT c.*, row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.next_attempt_at) AS turn
                    FROM tenants t CROSS JOIN LATERAL (
                        SELECT d.tenant_id, d.id, d.event_id, d.channel_id, d.attempts, d.next_attempt_at
                        FROM deliveries d
                        WHERE d.tenant_id = t.id AND d.status = 'pending' AND d.next_attempt_at <= \(now)
                        ORDER BY d.next_attempt_at
                        LIMIT \(limit)
                        FOR UPDATE SKIP LOCKED
                    ) c
                    WHERE t.status = 'active'
                )
                SELECT d.tenant_id, d.id, d.event_id, d.channel_id, d.attempts, d.next_attempt_at, e.payload::text, e.type,
                       ch.id IS NOT NULL, coalesce(ch.active, false), ch.type, ch.config::text, ch.secret,
                       ch.previous_secret, ch.previous_secret_expires_at
                FROM due d
                JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
                LEFT JOIN channels ch ON ch.tenant_id = d.tenant_id AND ch.id = d.channel_id
                ORDER BY d.turn, d.next_attempt_at
                LIMIT \(limit)
                """,
                logger: database.logger
            )
            for try await (
                tenantID, id, eventID, channelID, attempts, dueAt, payload, eventType, channelExists, active, type, config, secret,
                previousSecret, previousExpiresAt
            ) in rows.decode((UUID, UUID, UUID, UUID, Int, Date, String, String, Bool, Bool, String?, String?, String?, String?, Date?).self) {
                examined += 1
                let carried = DeliveryEventType(rawValue: eventType) ?? .event(.leadAssigned)
                guard channelExists, let type, let kind = NotificationChannel.Kind(rawValue: type) else {
                    dropped.append(DroppedDelivery(
                        tenantID: tenantID, id: id,
                        reason: "the channel \(channelID.lowercasedString) no longer exists; nothing was sent"
                    ))
                    continue
                }
                guard active || carried == .ping else {
                    dropped.append(DroppedDelivery(
                        tenantID: tenantID, id: id,
                        reason: "the channel \(channelID.lowercasedString) is inactive (deactivated after this delivery was queued); nothing was sent. Reactivate the channel and retry the delivery to send it"
                    ))
                    continue
                }
                let decoded = config.flatMap { try? JSONDecoder().decode(ChannelConfig.self, from: Data($0.utf8)) }
                claimed.append(ClaimedDelivery(
                    tenantID: tenantID, id: id, eventID: eventID, channelID: channelID, attempt: attempts + 1, dueAt: dueAt,
                    payload: Array(payload.utf8), eventType: carried, channelType: kind, config: decoded,
                    secrets: SigningSecrets(current: secret, previous: previousSecret, previousExpiresAt: previousExpiresAt),
                    leaseID: leaseID, leaseUntil: leaseUntil
                ))
            }
            if !claimed.isEmpty {
                try await connection.query(
                    """
                    UPDATE deliveries d
                    SET attempts = d.attempts + 1, next_attempt_at = \(leaseUntil), lease_id = \(leaseID), updated_at = \(now)
                    FROM unnest(\(claimed.map(\.tenantID))::uuid[], \(claimed.map(\.id))::uuid[]) AS c(tenant_id, id)
                    WHERE d.tenant_id = c.tenant_id AND d.id = c.id
                    """,
                    logger: database.logger
                )
            }
            if !dropped.isEmpty {
                try await connection.query(
                    """
                    UPDATE deliveries d
                    SET status = 'failed', last_error = c.reason, updated_at = \(now)
                    FROM unnest(\(dropped.map(\.tenantID))::uuid[], \(dropped.map(\.id))::uuid[], \(dropped.map(\.reason))::text[])
                         AS c(tenant_id, id, reason)
                    WHERE d.tenant_id = c.tenant_id AND d.id = c.id
                    """,
                    logger: database.logger
                )
            }
            return DeliveryClaim(claimed: claimed, dropped: dropped, examined: examined)
        }
    }

    /// When the next pending delivery falls due (or its lease runs out), in
    /// any tenant; nil when nothing is pending.
    public func nextDue() async throws -> Date? {
        try await database.system { connection in
            var earliest: Date?
            for try await (next,) in try await connection.query(
                """
                SELECT min(n.next_attempt_at) FROM tenants t CROSS JOIN LATERAL (
                    SELECT next_attempt_at FROM deliveries WHERE tenant_id = t.id AND status = 'pending' ORDER BY next_attempt_at LIMIT 1
                ) n
                WHERE t.status = 'active'
                """,
                logger: database.logger
            ).decode((Date?,).self) {
                earliest = next
            }
            return earliest
        }
    }

    /// Moves the claim's lease to `until`, if the row is still pending under
    /// this claim; false when a later claim took the delivery over (it must
    /// then not be sent: the other claim sends it). See `DeliveryLease`.
    public func renewLease(_ delivery: ClaimedDelivery, until: Date, now: Date) async throws -> Bool {
        try await database.system { connection in
            // Like the claim: a renewal lost in a crash costs no more than the crash.
            try await connection.query("SELECT set_config('synchronous_commit', 'off', true)", logger: database.logger)
            let rows = try await connection.query(
                """
                UPDATE deliveries SET next_attempt_at = \(until), updated_at = \(now)
                WHERE tenant_id = \(delivery.tenantID) AND id = \(delivery.id)
                  AND status = 'pending' AND lease_id = \(delivery.leaseID)
                RETURNING id
                """,
                logger: database.logger
            )
            var renewed = false
            for try await _ in rows { renewed = true }
            return renewed
        }
    }

    /// Records one attempt and what the delivery becomes. The attempt row is
    /// always written (it happened); the delivery changes only if it is still
    /// pending under this claim (its `lease_id`), so a dispatcher whose lease ran out
    /// while it waited on a slow receiver cannot overwrite the outcome of the
    /// claim that took over. Returns false in that case.
    @discardableResult
    public func record(
        _ delivery: ClaimedDelivery, attemptedAt: Date, durationMs: Int, result: DeliveryAttemptResult,
        transition: DeliveryTransition, now: Date
    ) async throws -> Bool {
        let attemptID = UUID.v7(at: attemptedAt)
        let error = result.error.map { DeliveryErrorText.sanitized($0) }
        let lastError = transition.lastError.map { DeliveryErrorText.sanitized($0) }
        return try await database.system { connection in
            let rows = try await connection.query(
                """
                WITH attempt AS (
                    INSERT INTO delivery_attempts (tenant_id, id, delivery_id, attempted_at, duration_ms, status_code, error)
                    VALUES (\(delivery.tenantID), \(attemptID), \(delivery.id), \(attemptedAt), \(durationMs)::integer,
                            \(result.statusCode)::integer, \(error))
                )
                UPDATE deliveries
                SET status = \(transition.status.rawValue),
                    next_attempt_at = coalesce(\(transition.nextAttemptAt)::timestamptz, next_attempt_at),
                    last_error = \(lastError),
                    delivered_at = \(transition.deliveredAt)::timestamptz,
                    updated_at = \(now)
                WHERE tenant_id = \(delivery.tenantID) AND id = \(delivery.id)
                  AND status = 'pending' AND lease_id = \(delivery.leaseID)
                RETURNING id
                """,
                logger: database.logger
            )
            var updated = false
            for try await _ in rows { updated = true }
            return updated
        }
    }

    /// One finished attempt, for `record(_:now:)`.
    public struct Attempt: Sendable {
        public var delivery: ClaimedDelivery
        public var attemptedAt: Date
        public var durationMs: Int
        public var result: DeliveryAttemptResult
        public var transition: DeliveryTransition

        public init(delivery: ClaimedDelivery, attemptedAt: Date, durationMs: Int, result: DeliveryAttemptResult, transition: DeliveryTransition) {
            self.delivery = delivery
            self.attemptedAt = attemptedAt
            self.durationMs = durationMs
            self.result = result
            self.transition = transition
        }
    }

    /// What `record(_:now:)` wrote.
    public struct Recorded: Sendable {
        /// The deliveries whose outcome was written (the others had been
        /// taken over by a later claim; their attempt rows are written all the same).
        public var owned: Set<UUID> = []
        /// Attempts the database refused even alone, by delivery id: nothing
        /// of them was written.
        public var refused: [UUID: any Error] = [:]
    }

    /// `record(_:attemptedAt:durationMs:result:transition:now:)` for many
    /// attempts, from any tenants, in one statement and one commit. If the
    /// database refuses the batch for something in it, each attempt is
    /// written alone, so that one bad row costs only its own record (an
    /// unrecorded attempt is sent again after its lease, and one that never
    /// records never reaches its last attempt).
    public func record(_ attempts: [Attempt], now: Date) async throws -> Recorded {
        guard !attempts.isEmpty else { return Recorded() }
        do {
            return Recorded(owned: try await recordBatch(attempts, now: now))
        } catch where attempts.count > 1 && DatabaseRefusal.blamesTheWork(error) {
            var recorded = Recorded()
            for attempt in attempts {
                do {
                    recorded.owned.formUnion(try await recordBatch([attempt], now: now))
                } catch where DatabaseRefusal.blamesTheWork(error) {
                    recorded.refused[attempt.delivery.id] = error
                }
            }
            return recorded
        }
    }

    private func recordBatch(_ attempts: [Attempt], now: Date) async throws -> Set<UUID> {
        let tenants = attempts.map(\.delivery.tenantID)
        let attemptIDs = attempts.map { UUID.v7(at: $0.attemptedAt) }
        let ids = attempts.map(\.delivery.id)
        let attemptedAt = attempts.map(\.attemptedAt)
        let durations = attempts.map(\.durationMs)
        // Arrays of optionals do not encode; NULLs travel as a flag beside a placeholder.
        let statusCodes = attempts.map { $0.result.statusCode ?? 0 }
        let errors = attempts.map { DeliveryErrorText.sanitized($0.result.error ?? "") }
        let hasError = attempts.map { $0.result.error != nil }
        let leases = attempts.map(\.delivery.leaseID)
        let statuses = attempts.map(\.transition.status.rawValue)
        let nextAttempts = attempts.map { $0.transition.nextAttemptAt ?? now }
        let hasNext = attempts.map { $0.transition.nextAttemptAt != nil }
        let lastErrors = attempts.map { DeliveryErrorText.sanitized($0.transition.lastError ?? "") }
        let hasLastError = attempts.map { $0.transition.lastError != nil }
        let deliveredAt = attempts.map { $0.transition.deliveredAt ?? now }
        let hasDeliveredAt = attempts.map { $0.transition.deliveredAt != nil }
        return try await database.system { connection in
            let rows = try await connection.query(
                """
                WITH input AS (
                    SELECT * FROM unnest(
                        \(tenants)::uuid[], \(attemptIDs)::uuid[], \(ids)::uuid[], \(attemptedAt)::timestamptz[],
                        \(durations)::integer[], \(statusCodes)::integer[], \(errors)::text[], \(hasError)::boolean[],
                        \(leases)::uuid[], \(statuses)::text[], \(nextAttempts)::timestamptz[], \(hasNext)::boolean[],
                        \(lastErrors)::text[], \(hasLastError)::boolean[], \(deliveredAt)::timestamptz[], \(hasDeliveredAt)::boolean[]
                    ) AS i(tenant_id, attempt_id, delivery_id, attempted_at, duration_ms, status_code, error, has_error,
                           lease_id, status, next_attempt_at, has_next, last_error, has_last_error, delivered_at, has_delivered_at)
                ), attempt AS (
                    INSERT INTO delivery_attempts (tenant_id, id, delivery_id, attempted_at, duration_ms, status_code, error)
                    SELECT tenant_id, attempt_id, delivery_id, attempted_at, duration_ms, nullif(status_code, 0),
                           CASE WHEN has_error THEN error END
                    FROM input
                )
                UPDATE deliveries d
                SET status = i.status,
                    next_attempt_at = CASE WHEN i.has_next THEN i.next_attempt_at ELSE d.next_attempt_at END,
                    last_error = CASE WHEN i.has_last_error THEN i.last_error END,
                    delivered_at = CASE WHEN i.has_delivered_at THEN i.delivered_at END,
                    updated_at = \(now)
                FROM input i
                WHERE d.tenant_id = i.tenant_id AND d.id = i.delivery_id
                  AND d.status = 'pending' AND d.lease_id = i.lease_id
                RETURNING d.id
                """,
                logger: database.logger
            )
            var owned = Set<UUID>()
            for try await (id,) in rows.decode((UUID,).self) { owned.insert(id) }
            return owned
        }
    }

    // MARK: - Tenant API

    /// A page of the tenant's deliveries, newest first, each with its
    /// attempts (one query: the attempts are aggregated per row).
    public func list(tenantID: UUID, filter: DeliveryFilter, page: PageRequest) async throws -> (deliveries: [DeliveryRecord], next: String?) {
        let rows = try await database.tenant(tenantID) { connection in
            try await Self.select(
                on: connection, logger: database.logger, tenantID: tenantID,
                id: nil, filter: filter, after: page.after, limit: page.limit + 1
            )
        }
        let (deliveries, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (deliveries, next)
    }

    /// Puts a failed delivery back in the queue, due now, with a fresh retry
    /// schedule; the attempt log is kept. A pending one is left alone, and so
    /// is a delivered one: its `delivered_at` is what billing counted, and a
    /// closed period's usage must not change (a re-send would move it out of
    /// its month, or out of billing if the re-send then failed). The caller
    /// raises `OutboxSignal` after this returns, so dispatchers wake.
    public func retry(tenantID: UUID, id: UUID, now: Date) async throws -> DeliveryRetryResult {
        try await database.tenant(tenantID) { connection in
            var current: String?
            for try await (status,) in try await connection.query(
                "SELECT status FROM deliveries WHERE tenant_id = \(tenantID) AND id = \(id) FOR NO KEY UPDATE",
                logger: database.logger
            ).decode((String,).self) {
                current = status
            }
            guard let current else { return .notFound }
            guard current != DeliveryStatus.pending.rawValue else { return .alreadyPending }
            guard current != DeliveryStatus.delivered.rawValue else { return .alreadyDelivered }
            // The counter restarts so the retry gets the whole schedule again;
            // the log keeps every earlier attempt, and the API counts those.
            // The claim token, not the counter, fences late senders: clearing
            // it here shuts out every claim from before the retry.
            try await connection.query(
                """
                UPDATE deliveries
                SET status = 'pending', attempts = 0, lease_id = NULL, next_attempt_at = \(now), last_error = NULL,
                    delivered_at = NULL, updated_at = \(now)
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """,
                logger: database.logger
            )
            let rows = try await Self.select(
                on: connection, logger: database.logger, tenantID: tenantID,
                id: id, filter: DeliveryFilter(), after: nil, limit: 1
            )
            guard let record = rows.first else { return .notFound }
            return .retried(record)
        }
    }

    static func select(
        on connection: PostgresConnection, logger: Logger, tenantID: UUID,
        id: UUID?, filter: DeliveryFilter, after: UUID?, limit: Int
    ) async throws -> [DeliveryRecord] {
        // Attempt times leave as epoch milliseconds: exact, and no parsing of
        // Postgres' timestamp text inside JSON.
        let rows = try await connection.query(
            """
            SELECT d.id, d.event_id, e.type, d.channel_id, d.status, d.next_attempt_at, d.last_error,
                   d.delivered_at, d.created_at,
                   coalesce((
                       SELECT jsonb_agg(jsonb_build_object(
                                  'at_ms', floor(extract(epoch FROM a.attempted_at) * 1000)::bigint,
                                  'duration_ms', a.duration_ms, 'status_code', a.status_code, 'error', a.error
                              ) ORDER BY a.attempted_at, a.id)
                       FROM delivery_attempts a
                       WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.id
                   ), '[]'::jsonb)::text
            FROM deliveries d
            JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
            WHERE d.tenant_id = \(tenantID)
              AND (\(id)::uuid IS NULL OR d.id = \(id))
              AND (\(filter.status?.rawValue)::text IS NULL OR d.status = \(filter.status?.rawValue))
              AND (\(filter.channelID)::uuid IS NULL OR d.channel_id = \(filter.channelID))
              AND (\(filter.eventID)::uuid IS NULL OR d.event_id = \(filter.eventID))
              AND (\(after)::uuid IS NULL OR d.id < \(after))
            ORDER BY d.id DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var records: [DeliveryRecord] = []
        for try await (id, eventID, type, channelID, status, nextAttemptAt, lastError, deliveredAt, createdAt, attempts)
            in rows.decode((UUID, UUID, String, UUID, String, Date, String?, Date?, Date, String).self) {
            let log = try JSONDecoder().decode([StoredAttempt].self, from: Data(attempts.utf8))
            records.append(DeliveryRecord(
                id: id, eventID: eventID, eventType: DeliveryEventType(rawValue: type) ?? .event(.leadAssigned), channelID: channelID,
                status: DeliveryStatus(rawValue: status) ?? .pending, nextAttemptAt: nextAttemptAt,
                lastError: lastError, deliveredAt: deliveredAt, createdAt: createdAt,
                attempts: log.map {
                    DeliveryAttemptRecord(
                        attemptedAt: Date(timeIntervalSince1970: TimeInterval($0.atMs) / 1000),
                        durationMs: $0.durationMs, statusCode: $0.statusCode, error: $0.error
                    )
                }
            ))
        }
        return records
    }

    private struct StoredAttempt: Decodable {
        var atMs: Int64
        var durationMs: Int
        var statusCode: Int?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case error
            case atMs = "at_ms", durationMs = "duration_ms", statusCode = "status_code"
        }
    }
}
