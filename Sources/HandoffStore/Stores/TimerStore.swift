import Foundation
import HandoffCore
import PostgresNIO
import Synchronization

/// The SLA timers across tenants: what is due next, and firing what is due.
///
/// Firing claims **leads**, not timers. A first response (and a manual
/// reassignment) locks the lead row and then cancels its timers; claiming
/// timers first and the lead second would take the same two locks in the
/// opposite order and deadlock against it. So one transaction:
/// 1. locks up to `limit` leads that have due pending timers, earliest first,
///    `FOR UPDATE SKIP LOCKED` (a lead held by a response or another engine is
///    left for the next round; nothing here ever waits for a lead);
/// 2. reads those leads' due timers again, now that the leads are held, and
///    keeps only those still pending: a response that committed before the
///    lock cancelled them, and they do not fire;
/// 3. fires them with `TimerFiring` (Core), and writes the lead, the timers'
///    `fired_at`/`cancelled_at`, any new clock, the events and deliveries;
/// 4. moves owner loads last, in owner id order, so two engines never wait on
///    each other's owners in a cycle.
/// Everything commits together or not at all: no timer fires twice (its lead
/// is held while it is marked), none is lost (it stays pending until marked).
///
/// One lead must not stop every tenant's timers: when a batch fails for a
/// reason that is not the database being unreachable, each of its leads is
/// fired again alone, in its own transaction. A lead that fails alone has the
/// failure counted on its due timers (`failures`, `last_error`), and after
/// `quarantineAfter` failures they are quarantined (`failed_at`): left unfired
/// and no longer picked, for an operator to look at. Timers of suspended
/// tenants are held: never picked while the tenant is suspended, and fired
/// (marked late) once it is active again.
public struct TimerStore: Sendable {
    public let database: Database
    private var leads: LeadStore { LeadStore(database: database) }

    public init(database: Database) {
        self.database = database
    }

    /// What one `fireDue` did.
    public struct Batch: Sendable, Equatable {
        /// Leads locked; equal to the limit means more may be due right now.
        public var leads = 0
        public var fired = 0
        public var skipped = 0
        public var events = 0
        public var deliveries = 0
        /// Timers of restarted clocks.
        public var newTimers = 0
        /// Fired more than `TimerFiring.lateAfter` after their instant.
        public var late = 0
        public var maxLateMs = 0
        public var skippedReasons: [String] = []
        /// Leads whose due timers could not be fired, each tried alone.
        public var failures: [LeadFailure] = []
        /// The earliest instant still pending after this batch, in any tenant,
        /// read in its transaction (what the engine sleeps towards next).
        public var nextDue: Date?

        public init() {}

        /// Adds up `other`'s counts (its `nextDue` is left out).
        public mutating func add(_ other: Batch) {
            leads += other.leads
            fired += other.fired
            skipped += other.skipped
            events += other.events
            deliveries += other.deliveries
            newTimers += other.newTimers
            late += other.late
            maxLateMs = max(maxLateMs, other.maxLateMs)
            skippedReasons += other.skippedReasons
            failures += other.failures
        }
    }

    /// A lead whose due timers failed to fire in a transaction of its own.
    public struct LeadFailure: Sendable, Equatable {
        public var tenantID: UUID
        public var leadID: UUID
        /// What went wrong, as stored in the timers' `last_error`.
        public var error: String
        /// The timers' failures reached the limit: they are no longer tried.
        public var quarantined: Bool
    }

    /// The earliest pending instant, in any tenant; nil when nothing is pending.
    public func nextDue() async throws -> Date? {
        try await database.system { connection in try await nextDue(on: connection) }
    }

    private func nextDue(on connection: PostgresConnection) async throws -> Date? {
        let rows = try await connection.query(
            """
            SELECT min(due_at) FROM timers tm
            WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL
              AND EXISTS (SELECT 1 FROM tenants te WHERE te.id = tm.tenant_id AND te.status = 'active')
            """,
            logger: database.logger
        )
        for try await due in rows.decode(Date?.self) { return due }
        return nil
    }

    /// Pending timers due at or before `now`, in any tenant.
    public func dueCount(now: Date) async throws -> Int {
        try await database.system { connection in
            let rows = try await connection.query(
                "SELECT count(*)::int FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND due_at <= \(now)",
                logger: database.logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// Fires what is due at `now` for up to `limit` leads, in one transaction.
    /// `window`: how many of the earliest due timers to pick leads from, so
    /// engines running side by side each find leads the others do not hold.
    /// `configuration` loads a tenant's configuration (a cache); without it,
    /// it is read inside the transaction. When the batch fails, its leads
    /// are fired one by one, and the ones that fail alone are counted
    /// towards quarantine after `quarantineAfter` failures (see above).
    public func fireDue(
        now: Date, limit: Int = 100, window: Int = 1_000, quarantineAfter: Int = 3,
        configuration: (@Sendable (UUID) async throws -> TenantConfiguration)? = nil
    ) async throws -> Batch {
        let picked = PickedLeads()
        do {
            return try await fire(now: now, only: nil, limit: limit, window: window, picked: picked, configuration: configuration)
        } catch where DatabaseRefusal.blamesTheWork(error) {
            let keys = picked.keys
            guard !keys.isEmpty else { throw error }
            var total = Batch()
            if keys.count == 1 {
                total.failures.append(try await recordFailure(of: keys[0], error: error, now: now, quarantineAfter: quarantineAfter))
            } else {
                for key in keys {
                    do {
                        total.add(try await fire(now: now, only: key, limit: 1, window: 1, picked: PickedLeads(), configuration: configuration))
                    } catch where DatabaseRefusal.blamesTheWork(error) {
                        total.failures.append(try await recordFailure(of: key, error: error, now: now, quarantineAfter: quarantineAfter))
                    }
                }
            }
            // As many as the batch took: a full batch still means more may be due.
            total.leads = keys.count
            total.nextDue = try await nextDue()
            return total
        }
    }

    /// One transaction: `only` one lead, or up to `limit` leads due.
    private func fire(
        now: Date, only: LeadKey?, limit: Int, window: Int, picked: PickedLeads,
        configuration: (@Sendable (UUID) async throws -> TenantConfiguration)?
    ) async throws -> Batch {
        try await database.system { connection in
            let rows = try await lockDueLeads(now: now, only: only, limit: limit, window: max(window, limit), on: connection)
            picked.keys = rows.map { LeadKey(tenantID: $0.0, leadID: $0.1) }
            // Decoded after the keys are known: a lead that does not decode
            // fails the batch, and is then tried (and counted) alone.
            let locked = try rows.map { tenantID, _, json in
                (tenantID, try WireJSON.decode(LeadSnapshot.self, from: Data(json.utf8)))
            }
            var batch = Batch()
            batch.leads = locked.count
            guard !locked.isEmpty else {
                batch.nextDue = try await nextDue(on: connection)
                return batch
            }
            let due = try await dueTimers(of: locked, now: now, on: connection)

            var configurations: [UUID: TenantConfiguration] = [:]
            var openLeads: [UUID: [UUID: Int]] = [:]
            var loadChanges: [OwnerKey: Int] = [:]
            var fired: [TimerKey] = []
            var skipped: [TimerKey] = []
            var ids = AscendingIDs(at: now)
            // Leads and events of the whole batch, written set-based after the
            // loop: two statements per batch, not two per lead.
            var changedLeads: [(UUID, LeadSnapshot)] = []
            var newEvents: [OutboxEvent] = []
            var newDeliveries: [OutboxDelivery] = []

            for (tenantID, lead) in locked {
                guard let timers = due[LeadKey(tenantID: tenantID, leadID: lead.id)], !timers.isEmpty else { continue }
                if configurations[tenantID] == nil {
                    if let configuration {
                        configurations[tenantID] = try await configuration(tenantID)
                    } else {
                        configurations[tenantID] = try await TenantConfigurationStore(database: database).load(tenantID: tenantID, on: connection)
                    }
                }
                let tenantConfiguration = configurations[tenantID]!
                // Live loads only when a step may route; kept current across the batch.
                if openLeads[tenantID] == nil, timers.contains(where: { $0.kind == .escalation }) {
                    openLeads[tenantID] = try await OwnerLoad.counts(tenantID: tenantID, on: connection, logger: database.logger)
                }
                let plan = TimerFiring.plan(
                    lead: lead, due: timers, configuration: tenantConfiguration, openLeads: openLeads[tenantID] ?? [:],
                    tenantID: tenantID, now: now, newID: { ids.next() }
                )
                try await write(plan, tenantID: tenantID, now: now, on: connection)
                if plan.leadChanged { changedLeads.append((tenantID, plan.lead)) }
                newEvents += plan.events.map { OutboxEvent(tenantID: tenantID, leadID: lead.id, event: $0) }
                newDeliveries += plan.deliveries.map { OutboxDelivery(tenantID: tenantID, delivery: $0) }
                for (owner, delta) in plan.loadChanges where delta != 0 {
                    loadChanges[OwnerKey(tenantID: tenantID, ownerID: owner), default: 0] += delta
                    openLeads[tenantID]?[owner, default: tenantConfiguration.owners[owner]?.openLeads ?? 0] += delta
                }
                fired += plan.fired.map { TimerKey(tenantID: tenantID, id: $0) }
                skipped += plan.skipped.map { TimerKey(tenantID: tenantID, id: $0.id) }
                batch.skippedReasons += plan.skipped.map(\.reason)
                batch.events += plan.events.count
                batch.deliveries += plan.deliveries.count
                batch.newTimers += plan.newClock?.timers.count ?? 0
                for event in plan.events {
                    if event.data.late == true { batch.late += 1 }
                    batch.maxLateMs = max(batch.maxLateMs, event.data.lateByMs ?? 0)
                }
            }
            try await save(changedLeads, now: now, on: connection)
            try await Outbox.insert(newEvents, deliveries: newDeliveries, on: connection, logger: database.logger)
            // A restart cancelled the lead's pending timers, the one firing it among them.
            try await mark(fired, fired: true, now: now, on: connection)
            try await mark(skipped, fired: false, now: now, on: connection)
            for (key, delta) in loadChanges.sorted(by: { $0.key < $1.key }) where delta != 0 {
                try await leads.adjustLoad(key.ownerID, by: delta, tenantID: key.tenantID, on: connection)
            }
            batch.fired = fired.count
            batch.skipped = skipped.count
            batch.nextDue = try await nextDue(on: connection)
            return batch
        }
    }

    /// Wakes dispatchers (new deliveries) and engines (a restarted clock's
    /// timers may be earlier than what they sleep towards). After commit.
    public func notify(deliveries: Bool, timers: Bool) async throws {
        try await database.notify((deliveries ? [OutboxSignal.deliveries] : []) + (timers ? [OutboxSignal.timers] : []))
    }

    /// Counts a failure on the lead's due timers, quarantining those that
    /// reach `quarantineAfter`, in a transaction of its own (the one that
    /// failed has rolled back).
    private func recordFailure(of key: LeadKey, error: any Error, now: Date, quarantineAfter: Int) async throws -> LeadFailure {
        let text = DeliveryErrorText.sanitized(String(reflecting: error))
        let quarantined = try await database.system { connection in
            let rows = try await connection.query(
                """
                UPDATE timers
                SET failures = failures + 1, last_error = \(text),
                    failed_at = CASE WHEN failures + 1 >= \(quarantineAfter) THEN \(now) END
                WHERE tenant_id = \(key.tenantID) AND lead_id = \(key.leadID)
                  AND fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND due_at <= \(now)
                RETURNING failed_at IS NOT NULL
                """,
                logger: database.logger
            )
            var any = false
            for try await (quarantined,) in rows.decode((Bool,).self) where quarantined { any = true }
            return any
        }
        return LeadFailure(tenantID: key.tenantID, leadID: key.leadID, error: text, quarantined: quarantined)
    }

    // MARK: - Pieces

    /// The leads a batch locked, known even when it then fails.
    private final class PickedLeads: Sendable {
        private let value = Mutex<[LeadKey]>([])
        var keys: [LeadKey] {
            get { value.withLock { $0 } }
            set { value.withLock { $0 = newValue } }
        }
    }

    private struct LeadKey: Hashable {
        var tenantID: UUID
        var leadID: UUID
    }

    private struct TimerKey {
        var tenantID: UUID
        var id: UUID
    }

    private struct OwnerKey: Hashable, Comparable {
        var tenantID: UUID
        var ownerID: UUID

        static func < (lhs: OwnerKey, rhs: OwnerKey) -> Bool {
            (lhs.tenantID.uuidString, lhs.ownerID.uuidString) < (rhs.tenantID.uuidString, rhs.ownerID.uuidString)
        }
    }

    /// The sort happens before the lock (Limit over LockRows over Sort), so
    /// each engine takes the earliest leads nobody else holds. Quarantined
    /// timers and suspended tenants' timers are not looked at (filtered before
    /// the window, so that a suspended tenant's backlog cannot fill it).
    private func lockDueLeads(
        now: Date, only: LeadKey?, limit: Int, window: Int, on connection: PostgresConnection
    ) async throws -> [(UUID, UUID, String)] {
        let rows = try await connection.query(
            """
            WITH due AS (
                SELECT tenant_id, lead_id, min(due_at) AS first_due
                FROM (SELECT tenant_id, lead_id, due_at FROM timers tm
                      WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND due_at <= \(now)
                        AND (\(only?.tenantID)::uuid IS NULL OR (tm.tenant_id = \(only?.tenantID) AND tm.lead_id = \(only?.leadID)))
                        AND EXISTS (SELECT 1 FROM tenants te WHERE te.id = tm.tenant_id AND te.status = 'active')
                      ORDER BY due_at LIMIT \(window)) AS t
                GROUP BY tenant_id, lead_id
            )
            SELECT l.tenant_id, l.id, \(unescaped: LeadSQL.json)::text
            FROM due JOIN leads l ON l.tenant_id = due.tenant_id AND l.id = due.lead_id
            ORDER BY due.first_due, l.tenant_id, l.id
            LIMIT \(limit)
            FOR UPDATE OF l SKIP LOCKED
            """,
            logger: database.logger
        )
        var result: [(UUID, UUID, String)] = []
        for try await row in rows.decode((UUID, UUID, String).self) { result.append(row) }
        return result
    }

    /// Read after the leads are held: only what is still pending fires.
    private func dueTimers(of leads: [(UUID, LeadSnapshot)], now: Date, on connection: PostgresConnection) async throws -> [LeadKey: [DueTimer]] {
        let rows = try await connection.query(
            """
            SELECT t.tenant_id, t.lead_id, t.id, t.kind, t.step, t.due_at
            FROM timers t JOIN unnest(\(leads.map(\.0))::uuid[], \(leads.map(\.1.id))::uuid[]) AS k(tenant_id, lead_id)
                 ON t.tenant_id = k.tenant_id AND t.lead_id = k.lead_id
            WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.failed_at IS NULL AND t.due_at <= \(now)
            ORDER BY t.due_at, t.id
            FOR UPDATE OF t
            """,
            logger: database.logger
        )
        var result: [LeadKey: [DueTimer]] = [:]
        for try await (tenantID, leadID, id, kind, step, dueAt) in rows.decode((UUID, UUID, UUID, String, Int?, Date).self) {
            guard let kind = TimerKind(rawValue: kind) else { continue }
            result[LeadKey(tenantID: tenantID, leadID: leadID), default: []].append(DueTimer(id: id, kind: kind, step: step, dueAt: dueAt))
        }
        return result
    }

    /// A restarted clock, per lead (escalations only); the lead and the
    /// events are written for the whole batch by `save` and `insert`.
    private func write(_ plan: TimerFiringPlan, tenantID: UUID, now: Date, on connection: PostgresConnection) async throws {
        let leadID = plan.lead.id
        if let clock = plan.newClock {
            // The old clock's timers, due or not; the ones fired in this plan
            // are marked fired after this and so are not left cancelled.
            try await leads.cancelPendingTimers(leadID, tenantID: tenantID, now: now, on: connection)
            try await leads.insertTimers(clock.timers, leadID: leadID, tenantID: tenantID, on: connection)
        }
    }

    /// `LeadStore.save` for many leads in one statement. Arrays carry no
    /// NULLs here: a nil id is the nil UUID, a nil instant NaN, a nil count -1.
    private func save(_ changed: [(UUID, LeadSnapshot)], now: Date, on connection: PostgresConnection) async throws {
        guard !changed.isEmpty else { return }
        let slas = changed.map(\.1.sla)
        let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        func epoch(_ date: Date?) -> Double { date?.timeIntervalSince1970 ?? .nan }
        try await connection.query(
            """
            UPDATE leads l SET status = c.status, owner_id = NULLIF(c.owner_id, \(none)), sla_policy_id = NULLIF(c.policy_id, \(none)),
                sla_state = c.state, sla_started_at = to_timestamp(NULLIF(c.started_at, 'NaN')),
                sla_due_at = to_timestamp(NULLIF(c.due_at, 'NaN')), sla_warned_at = to_timestamp(NULLIF(c.warned_at, 'NaN')),
                sla_breached_at = to_timestamp(NULLIF(c.breached_at, 'NaN')),
                sla_responded_at = to_timestamp(NULLIF(c.responded_at, 'NaN')),
                sla_response_seconds = NULLIF(c.response_seconds, -1), updated_at = \(now)
            FROM unnest(\(changed.map(\.0))::uuid[], \(changed.map(\.1.id))::uuid[], \(changed.map(\.1.status.rawValue))::text[],
                        \(changed.map { $0.1.ownerID ?? none })::uuid[], \(slas.map { $0.policyID ?? none })::uuid[],
                        \(slas.map(\.state.rawValue))::text[], \(slas.map { epoch($0.startedAt) })::float8[],
                        \(slas.map { epoch($0.dueAt) })::float8[], \(slas.map { epoch($0.warnedAt) })::float8[],
                        \(slas.map { epoch($0.breachedAt) })::float8[], \(slas.map { epoch($0.respondedAt) })::float8[],
                        \(slas.map { $0.responseSeconds ?? -1 })::int[])
                 AS c(tenant_id, id, status, owner_id, policy_id, state, started_at, due_at, warned_at, breached_at,
                      responded_at, response_seconds)
            WHERE l.tenant_id = c.tenant_id AND l.id = c.id
            """,
            logger: database.logger
        )
    }

    private func mark(_ timers: [TimerKey], fired: Bool, now: Date, on connection: PostgresConnection) async throws {
        guard !timers.isEmpty else { return }
        try await connection.query(
            """
            UPDATE timers SET fired_at = CASE WHEN \(fired) THEN \(now) ELSE fired_at END,
                              cancelled_at = CASE WHEN \(fired) THEN NULL ELSE \(now) END
            FROM unnest(\(timers.map(\.tenantID))::uuid[], \(timers.map(\.id))::uuid[]) AS k(tenant_id, id)
            WHERE timers.tenant_id = k.tenant_id AND timers.id = k.id
            """,
            logger: database.logger
        )
    }
}
