import Foundation
import HandoffCore
import PostgresNIO

extension LeadStore {
    /// Records a response. The first one stops the clock (met or breached,
    /// business seconds), cancels the lead's pending timers and frees the
    /// owner's load, in the same transaction; a timer that has not committed
    /// its firing by then never fires. Every response is a `lead.responded`
    /// event in the timeline; only the first is delivered to channels.
    public func respond(
        leadID: UUID, channel: String, ownerID: UUID?, respondedAt: Date?,
        configuration: TenantConfiguration, tenantID: UUID, now: Date
    ) async throws -> LeadSnapshot? {
        try await database.tenant(tenantID) { connection in
            guard let lead = try await lockLead(leadID, tenantID: tenantID, on: connection) else { return nil }
            try Self.refuseErased(lead)
            let at = respondedAt ?? now
            var errors: [FieldError] = []
            if at > now.addingTimeInterval(60) { errors.append(FieldError(field: "responded_at", message: "must not be in the future")) }
            if at < lead.createdAt { errors.append(FieldError(field: "responded_at", message: "must not be before the lead was created")) }
            if let ownerID, configuration.owners[ownerID] == nil {
                errors.append(ConfigReference(field: "owner_id", kind: .owner, id: ownerID).missingError)
            }
            guard errors.isEmpty else { throw LeadWriteError.invalid(errors) }

            let first = lead.sla.respondedAt == nil
            let calendar = lead.sla.policyID.flatMap { configuration.policies[$0]?.calendarID }.flatMap { configuration.calendars[$0] }
            let updated = FirstResponse.apply(to: lead, respondedAt: at, calendar: calendar)
            let newID: () -> UUID = { .v7(at: now) }
            try await connection.query(
                """
                INSERT INTO lead_responses (tenant_id, id, lead_id, channel, owner_id, responded_at, created_at)
                VALUES (\(tenantID), \(newID()), \(leadID), \(channel), \(ownerID ?? lead.ownerID), \(at), \(now))
                """,
                logger: database.logger
            )
            if first {
                try await save(updated, tenantID: tenantID, now: now, on: connection)
                try await cancelPendingTimers(leadID, tenantID: tenantID, now: now, on: connection)
                if lead.status == .assigned, let owner = lead.ownerID {
                    try await adjustLoad(owner, by: -1, tenantID: tenantID, on: connection)
                }
            }
            let owner = configuration.ownerSnapshot(updated.ownerID)
            let (event, planned) = LeadEvents.plan(
                type: .leadResponded, data: EventData(lead: updated, owner: owner),
                configuration: configuration, tenantID: tenantID, now: now, newID: newID
            )
            // Later responses are recorded, not announced.
            let deliveries = first ? planned : []
            try await insertEvents([event], deliveries: deliveries, leadID: leadID, tenantID: tenantID, on: connection)
            return updated
        }
    }

    /// Gives the lead to `ownerID`: `lead.assigned` fires, load moves, and with
    /// the policy's restart_on_reassign an unanswered lead gets a new clock
    /// (its pending timers replaced).
    public func reassign(
        leadID: UUID, ownerID: UUID, configuration: TenantConfiguration, tenantID: UUID, now: Date
    ) async throws -> LeadSnapshot? {
        try await database.tenant(tenantID) { connection in
            guard let lead = try await lockLead(leadID, tenantID: tenantID, on: connection) else { return nil }
            try Self.refuseErased(lead)
            guard let owner = configuration.owners[ownerID] else {
                throw LeadWriteError.invalid([ConfigReference(field: "owner_id", kind: .owner, id: ownerID).missingError])
            }
            guard owner.active else {
                throw LeadWriteError.invalid([FieldError(field: "owner_id", message: "is an inactive owner; activate them first")])
            }
            guard lead.ownerID != ownerID else { return lead }
            let policy = lead.sla.policyID.flatMap { configuration.policies[$0] }
            let calendar = policy?.calendarID.flatMap { configuration.calendars[$0] }
            let newID: () -> UUID = { .v7(at: now) }
            let (updated, clock) = Reassignment.plan(lead: lead, to: owner, policy: policy, calendar: calendar, now: now, newID: newID)
            try await save(updated, tenantID: tenantID, now: now, on: connection)
            // Owner rows are locked in id order, as the timer engine does, so a manual
            // reassignment and an escalation moving the same two owners cannot deadlock.
            var moves: [(UUID, Int)] = []
            if lead.status == .assigned, let previous = lead.ownerID { moves.append((previous, -1)) }
            if updated.status == .assigned { moves.append((ownerID, 1)) }
            for (owner, delta) in moves.sorted(by: { $0.0.uuidString < $1.0.uuidString }) {
                try await adjustLoad(owner, by: delta, tenantID: tenantID, on: connection)
            }
            if let clock {
                try await cancelPendingTimers(leadID, tenantID: tenantID, now: now, on: connection)
                try await insertTimers(clock.timers, leadID: leadID, tenantID: tenantID, on: connection)
            }
            let (event, deliveries) = LeadEvents.plan(
                type: .leadAssigned, data: EventData(lead: updated, owner: owner.snapshot),
                configuration: configuration, tenantID: tenantID, now: now, newID: newID
            )
            try await insertEvents([event], deliveries: deliveries, leadID: leadID, tenantID: tenantID, on: connection)
            return updated
        }
    }

    // MARK: - Pieces, inside a tenant transaction

    /// An erased lead is a tombstone the reports count: it no longer changes,
    /// so nothing new is announced about a person who asked to be forgotten.
    static func refuseErased(_ lead: LeadSnapshot) throws {
        guard lead.erasedAt == nil else {
            throw LeadWriteError.conflict("The lead was erased (DELETE /v1/leads/{id}); an erased lead no longer changes.")
        }
    }

    func lockLead(_ id: UUID, tenantID: UUID, on connection: PostgresConnection) async throws -> LeadSnapshot? {
        let rows = try await connection.query(
            // NO KEY: the lead's id never changes, and the FK checks of rows that
            // refer to it (timers, responses) need not wait for it.
            "SELECT \(unescaped: LeadSQL.json)::text FROM leads l WHERE l.tenant_id = \(tenantID) AND l.id = \(id) FOR NO KEY UPDATE",
            logger: database.logger
        )
        for try await json in rows.decode(String.self) {
            return try WireJSON.decode(LeadSnapshot.self, from: Data(json.utf8))
        }
        return nil
    }

    /// Writes the lead's status, owner and clock as the snapshot has them.
    func save(_ lead: LeadSnapshot, tenantID: UUID, now: Date, on connection: PostgresConnection) async throws {
        let sla = lead.sla
        try await connection.query(
            """
            UPDATE leads SET status = \(lead.status.rawValue), owner_id = \(lead.ownerID), sla_policy_id = \(sla.policyID),
                sla_state = \(sla.state.rawValue), sla_started_at = \(sla.startedAt), sla_due_at = \(sla.dueAt),
                sla_warned_at = \(sla.warnedAt), sla_breached_at = \(sla.breachedAt), sla_responded_at = \(sla.respondedAt),
                sla_response_seconds = \(sla.responseSeconds), updated_at = \(now)
            WHERE tenant_id = \(tenantID) AND id = \(lead.id)
            """,
            logger: database.logger
        )
    }

    func cancelPendingTimers(_ leadID: UUID, tenantID: UUID, now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE timers SET cancelled_at = \(now)
            WHERE tenant_id = \(tenantID) AND lead_id = \(leadID) AND fired_at IS NULL AND cancelled_at IS NULL
            """,
            logger: database.logger
        )
    }

    func adjustLoad(_ ownerID: UUID, by delta: Int, tenantID: UUID, on connection: PostgresConnection) async throws {
        try await OwnerLoad.adjust(ownerID, by: delta, tenantID: tenantID, on: connection, logger: database.logger)
    }

    func insertTimers(_ timers: [PlannedTimer], leadID: UUID, tenantID: UUID, on connection: PostgresConnection) async throws {
        guard !timers.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
            SELECT \(tenantID), t.id, \(leadID), t.kind, NULLIF(t.step, -1), t.due_at
            FROM unnest(\(timers.map(\.id))::uuid[], \(timers.map(\.kind.rawValue))::text[],
                        \(timers.map { $0.step ?? -1 })::int[], \(timers.map(\.dueAt))::timestamptz[]) AS t(id, kind, step, due_at)
            """,
            logger: database.logger
        )
    }

    func insertEvents(_ events: [HandoffEvent], deliveries: [PlannedDelivery], leadID: UUID, tenantID: UUID, on connection: PostgresConnection) async throws {
        try await Outbox.insert(
            events.map { OutboxEvent(tenantID: tenantID, leadID: leadID, event: $0) },
            deliveries: deliveries.map { OutboxDelivery(tenantID: tenantID, delivery: $0) },
            on: connection, logger: database.logger
        )
    }
}
