import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// Leads: intake in one transaction, reads, first responses and reassignment.
public struct LeadStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: - Intake

    /// Plans the lead in Core and writes all of it — lead, owner load, timers,
    /// events, deliveries — in one statement, committed before this returns.
    ///
    /// Most leads need no round-robin turn: they are written by one self-scoped
    /// statement (`sql/0005_self_scoped_intake.sql` says why that is safe),
    /// preceded on the same connection by the routing-state read only when the
    /// decision depends on open-lead counts (a capacity, or a choice between
    /// several available owners). Most decisions do not, and skipping the read
    /// saves a round trip and much of Postgres's CPU per lead: `bench/README.md`
    /// has the figures.
    ///
    /// A round-robin turn is taken in its own short, non-durable transaction:
    /// the team's counter row is locked only while the turn is planned, never
    /// through the lead's commit, so a team's intake is not serialized behind
    /// fsyncs, and no two leads get the same turn. A turn whose lead then fails
    /// to commit is skipped, not reused.
    public func intake(
        _ submission: LeadSubmission, funnel: Funnel, configuration: TenantConfiguration,
        tenantID: UUID, now: Date, idempotency: IntakeIdempotency? = nil
    ) async throws -> IntakePlan {
        let route: @Sendable (RoutingState) -> RoutingDecision? = { state in
            IntakePlanner.route(
                submission: submission, funnel: funnel, configuration: configuration,
                openLeads: state.openLeads, turns: state.turns, now: now
            )
        }
        let plan: @Sendable (RoutingDecision?) -> IntakePlan = { routing in
            IntakePlanner.plan(
                submission: submission, funnel: funnel, configuration: configuration, routing: routing,
                tenantID: tenantID, now: now, newID: { .v7(at: now) }
            )
        }
        // A lead that needs a turn is not written here: it takes its turn
        // below, with the state read so far (nil: nothing was read).
        enum Direct: Sendable { case written(IntakePlan), needsTurn(RoutingState?, RoutingTurn) }
        let direct: Direct = try await database.selfScoped { connection in
            var state: RoutingState?
            var routing = route(RoutingState())
            if routing?.dependsOnOpenLeads == true {
                let read = try await routingState(tenantID: tenantID, on: connection)
                (state, routing) = (read, route(read))
            }
            if let turn = routing?.turn { return .needsTurn(state, turn) }
            let planned = plan(routing)
            try await insert(planned, tenantID: tenantID, idempotency: idempotency, on: connection)
            return .written(planned)
        }
        let read: RoutingState?, turn: RoutingTurn
        switch direct {
        case .written(let planned): return planned
        case .needsTurn(let state, let wanted): (read, turn) = (state, wanted)
        }
        let taken = try await database.tenant(tenantID, durable: false) { connection in
            var state = read ?? RoutingState()
            state.turns[turn.teamID] = try await lockTurn(team: turn.teamID, tenantID: tenantID, on: connection)
            var routing = route(state)
            // The member at the real turn may have a capacity the first guess's had not.
            if read == nil, routing?.dependsOnOpenLeads == true {
                state.openLeads = try await OwnerLoad.counts(tenantID: tenantID, on: connection, logger: database.logger)
                routing = route(state)
            }
            if let next = routing?.turn, next.teamID == turn.teamID {
                try await connection.query(
                    "UPDATE team_rotation SET turns = \(next.next) WHERE tenant_id = \(tenantID) AND team_id = \(next.teamID)",
                    logger: database.logger
                )
            }
            return plan(routing)
        }
        try await database.selfScoped { connection in
            try await insert(taken, tenantID: tenantID, idempotency: idempotency, on: connection)
        }
        return taken
    }

    public struct RoutingState: Sendable {
        public var openLeads: [UUID: Int] = [:]
        public var turns: [UUID: Int64] = [:]
    }

    /// Live load per owner and the teams' turn counters; read without locks.
    public func routingState(tenantID: UUID) async throws -> RoutingState {
        try await database.selfScoped { connection in
            try await routingState(tenantID: tenantID, on: connection)
        }
    }

    private func routingState(tenantID: UUID, on connection: SelfScopedConnection) async throws -> RoutingState {
        var state = RoutingState()
        for try await row in try await connection.execute(RoutingStateStatement(tenantID: tenantID)) {
            if row.isTeam { state.turns[row.id] = row.value } else { state.openLeads[row.id] = Int(row.value) }
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

    /// With an Idempotency-Key, the key's reservation records the lead in the
    /// same commit (sql/0007); a reservation a retry took over in the meantime
    /// refuses the write, and that is a conflict, not a failure.
    private func insert(_ plan: IntakePlan, tenantID: UUID, idempotency: IntakeIdempotency?, on connection: SelfScopedConnection) async throws {
        do {
            _ = try await connection.execute(InsertLeadStatement(plan: plan, tenantID: tenantID, idempotency: idempotency))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "HI409" {
            throw LeadWriteError.conflict("A retry with this Idempotency-Key took it over while this request ran; nothing was written. Its answer is the one that counts.")
        }
    }
}
