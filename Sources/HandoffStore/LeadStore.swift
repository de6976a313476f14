import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// Why a lead write was refused.
public enum LeadWriteError: Error, Sendable, Equatable {
    case invalid([FieldError])
    case conflict(String)
}

/// Leads: intake in one transaction, reads, first responses and reassignment.
public struct LeadStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: - Intake

    /// Plans the lead in Core and writes all of it — lead, owner load, timers,
    /// events, deliveries — in one transaction, committed before this returns.
    ///
    /// A round-robin turn is taken first in its own short, non-durable
    /// transaction: the team's counter row is locked only while the turn is
    /// planned, never through the lead's commit, so a team's intake is not
    /// serialized behind fsyncs, and no two leads get the same turn. A turn
    /// whose lead then fails to commit is skipped, not reused.
    public func intake(
        _ submission: LeadSubmission, funnel: Funnel, configuration: TenantConfiguration,
        tenantID: UUID, now: Date
    ) async throws -> IntakePlan {
        let newID: @Sendable () -> UUID = { .v7(at: now) }
        let plan: @Sendable (RoutingState) -> IntakePlan = { state in
            IntakePlanner.plan(
                submission: submission, funnel: funnel, configuration: configuration,
                openLeads: state.openLeads, turns: state.turns, tenantID: tenantID, now: now, newID: newID
            )
        }
        // Most leads need no turn: read the routing state, plan and write in one
        // transaction. A round-robin lead leaves it (only reads are rolled back)
        // and takes its turn with the state it already read.
        enum Direct: Sendable { case written(IntakePlan), needsTurn(RoutingState, RoutingTurn) }
        let direct: Direct = try await database.tenant(tenantID) { connection in
            let qualified = submission.score >= funnel.qualifyMinScore
            let state = qualified ? try await routingState(tenantID: tenantID, on: connection) : RoutingState()
            let planned = plan(state)
            if let turn = planned.turn { return .needsTurn(state, turn) }
            try await insert(planned, tenantID: tenantID, on: connection)
            return .written(planned)
        }
        let state: RoutingState, turn: RoutingTurn
        switch direct {
        case .written(let planned): return planned
        case .needsTurn(let read, let wanted): (state, turn) = (read, wanted)
        }
        let taken = try await database.tenant(tenantID, durable: false) { connection in
            var turns = state.turns
            turns[turn.teamID] = try await lockTurn(team: turn.teamID, tenantID: tenantID, on: connection)
            let replanned = plan(RoutingState(openLeads: state.openLeads, turns: turns))
            if let next = replanned.turn, next.teamID == turn.teamID {
                try await connection.query(
                    "UPDATE team_rotation SET turns = \(next.next) WHERE tenant_id = \(tenantID) AND team_id = \(next.teamID)",
                    logger: database.logger
                )
            }
            return replanned
        }
        try await database.tenant(tenantID) { connection in
            try await insert(taken, tenantID: tenantID, on: connection)
        }
        return taken
    }

    public struct RoutingState: Sendable {
        public var openLeads: [UUID: Int] = [:]
        public var turns: [UUID: Int64] = [:]
    }

    /// Live load per owner and the teams' turn counters; read without locks.
    public func routingState(tenantID: UUID) async throws -> RoutingState {
        try await database.tenant(tenantID) { connection in
            try await routingState(tenantID: tenantID, on: connection)
        }
    }

    func routingState(tenantID: UUID, on connection: PostgresConnection) async throws -> RoutingState {
        var state = RoutingState()
        let rows = try await connection.query(
            """
            SELECT false, o.id, \(unescaped: OwnerLoad.openLeads(of: "o"))::bigint FROM owners o WHERE o.tenant_id = \(tenantID)
            UNION ALL SELECT true, team_id, turns FROM team_rotation WHERE tenant_id = \(tenantID)
            """,
            logger: database.logger
        )
        for try await (isTeam, id, value) in rows.decode((Bool, UUID, Int64).self) {
            if isTeam { state.turns[id] = value } else { state.openLeads[id] = Int(value) }
        }
        return state
    }

    private func lockTurn(team: UUID, tenantID: UUID, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query(
            "INSERT INTO team_rotation (tenant_id, team_id) VALUES (\(tenantID), \(team)) ON CONFLICT DO NOTHING",
            logger: database.logger
        )
        let rows = try await connection.query(
            "SELECT turns FROM team_rotation WHERE tenant_id = \(tenantID) AND team_id = \(team) FOR UPDATE",
            logger: database.logger
        )
        for try await turns in rows.decode(Int64.self) { return turns }
        return 0
    }

    /// One statement: data-modifying CTEs share a snapshot and their foreign
    /// keys are checked at its end, so the lead and what hangs off it — its
    /// owner's open-lead count too — land together.
    private func insert(_ plan: IntakePlan, tenantID: UUID, on connection: PostgresConnection) async throws {
        let lead = plan.lead
        let routing = try plan.routing.map { decision in
            String(decoding: try WireJSON.encode(RoutingRecord(decision)), as: UTF8.self)
        }
        let events = try plan.events.map { String(decoding: try $0.encodedJSON(), as: UTF8.self) }
        let loadedOwner = lead.status == .assigned ? lead.ownerID : nil
        try await connection.query(
            """
            WITH lead AS (
                INSERT INTO leads (tenant_id, id, funnel_id, external_id, email, name, phone, score, answers, attributes,
                                   status, owner_id, routing, sla_policy_id, sla_state, sla_started_at, sla_due_at, created_at, updated_at)
                VALUES (\(tenantID), \(lead.id), \(lead.funnelID), \(lead.externalID), \(lead.email), \(lead.name), \(lead.phone),
                        \(lead.score), \(try json(lead.answers))::jsonb, \(try json(lead.attributes))::jsonb,
                        \(lead.status.rawValue), \(lead.ownerID), \(routing)::jsonb, \(lead.sla.policyID), \(lead.sla.state.rawValue),
                        \(lead.sla.startedAt), \(lead.sla.dueAt), \(lead.createdAt), \(lead.createdAt))
            ), timers AS (
                INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
                SELECT \(tenantID), t.id, \(lead.id), t.kind, NULLIF(t.step, -1), t.due_at
                FROM unnest(\(plan.timers.map(\.id))::uuid[], \(plan.timers.map(\.kind.rawValue))::text[],
                            \(plan.timers.map { $0.step ?? -1 })::int[], \(plan.timers.map(\.dueAt))::timestamptz[]) AS t(id, kind, step, due_at)
            ), load AS (
                INSERT INTO owner_load AS l (tenant_id, owner_id, slot, delta)
                SELECT \(tenantID), \(loadedOwner), \(OwnerLoad.randomSlot()), 1 WHERE \(loadedOwner)::uuid IS NOT NULL
                ON CONFLICT (tenant_id, owner_id, slot) DO UPDATE SET delta = l.delta + 1
            ), events AS (
                INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
                SELECT \(tenantID), e.id, e.type, \(lead.id), e.payload::jsonb, \(lead.createdAt)
                FROM unnest(\(plan.events.map(\.id))::uuid[], \(plan.events.map(\.type.rawValue))::text[], \(events)::text[]) AS e(id, type, payload)
            )
            INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
            SELECT \(tenantID), d.id, d.event_id, d.channel_id, \(lead.createdAt), \(lead.createdAt), \(lead.createdAt)
            FROM unnest(\(plan.deliveries.map(\.id))::uuid[], \(plan.deliveries.map(\.eventID))::uuid[],
                        \(plan.deliveries.map(\.channelID))::uuid[]) AS d(id, event_id, channel_id)
            """,
            logger: database.logger
        )
    }

    private func json(_ value: [String: JSONValue]) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }
}

/// How a lead was routed, as stored in `leads.routing` and shown on GET.
public struct RoutingRecord: Codable, Sendable, Equatable {
    public var ruleID: UUID?
    public var strategy: String?
    public var trace: [String]

    enum CodingKeys: String, CodingKey {
        case strategy, trace
        case ruleID = "rule_id"
    }

    public init(ruleID: UUID?, strategy: String?, trace: [String]) {
        self.ruleID = ruleID
        self.strategy = strategy
        self.trace = trace
    }

    public init(_ decision: RoutingDecision) {
        self.ruleID = decision.ruleID
        self.strategy = decision.usedFallback ? "fallback" : decision.strategy
        self.trace = decision.trace
    }
}
