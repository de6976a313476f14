import Foundation
import HandoffCore
import PostgresNIO

// The statements every lead runs, prepared once per pooled connection.
//
// Planning the intake's five-table statement costs Postgres about as much as
// executing it (`bench/intake.sql` under pgbench, sent unnamed and prepared).
// PostgresNIO prepares a `PostgresPreparedStatement` on a
// connection the first time it runs there and only binds and executes it after;
// the statements inside `handoff_routing_state` and `handoff_intake_lead`
// (sql/0005) are planned once per connection too, by PL/pgSQL's plan cache.
//
// Every parameter carries a cast, so its type never depends on whether the first
// execution on a connection happened to bind NULL. Each names itself: the
// protocol's default name is `String(reflecting:)` of the type, worked out
// again for every execution.

/// Each owner's open leads and each team's round-robin turn, without locks
/// (`handoff_routing_state`, which scopes itself to the tenant).
struct RoutingStateStatement: SelfScopedStatement {
    typealias Row = (isTeam: Bool, id: UUID, value: Int64)

    static let name = "handoff_routing_state"

    static let sql = "SELECT is_team, id, value FROM handoff_routing_state($1::uuid)"

    var tenantID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(tenantID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (isTeam, id, value) = try row.decode((Bool, UUID, Int64).self)
        return (isTeam, id, value)
    }
}

/// A planned lead and everything that hangs off it — lead, owner load, timers,
/// events, deliveries — in one statement that scopes itself to the tenant and
/// commits all of it or none before it completes (the procedure
/// `handoff_intake_lead`).
struct InsertLeadStatement: SelfScopedStatement {
    typealias Row = ()

    static let name = "handoff_insert_lead"

    // `$n::text::jsonb`, not `$n::jsonb`: the statement is prepared once per
    // connection with the types of its first bindings, and a nil routing
    // record is a typeless NULL, from which the server would take jsonb as
    // the parameter's type and then read every later (text) record as
    // binary jsonb.

    static let sql = """
        CALL handoff_intake_lead(
            $1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::text, $8::float8,
            $9::text::jsonb, $10::text::jsonb, $11::text, $12::uuid, $13::text::jsonb,
            $14::uuid, $15::text, $16::timestamptz, $17::timestamptz, $18::timestamptz,
            $19::uuid[], $20::text[], $21::int[], $22::timestamptz[],
            $23::uuid, $24::smallint,
            $25::uuid[], $26::text[], $27::text[],
            $28::uuid[], $29::uuid[], $30::uuid[],
            $31::text, $32::uuid
        )
        """

    var plan: IntakePlan
    var tenantID: UUID
    /// The request's hold on its Idempotency-Key, recorded with the lead.
    var idempotency: IntakeIdempotency?

    func makeBindings() throws -> PostgresBindings {
        let lead = plan.lead
        var b = PostgresBindings(capacity: 32)
        b.append(tenantID)                                            // $1
        b.append(lead.id)                                             // $2
        b.append(lead.funnelID)                                       // $3
        b.append(lead.externalID)                                     // $4
        b.append(lead.email)                                          // $5
        b.append(lead.name)                                           // $6
        b.append(lead.phone)                                          // $7
        b.append(lead.score)                                          // $8
        b.append(try Self.json(lead.answers))                         // $9
        b.append(try Self.json(lead.attributes))                      // $10
        b.append(lead.status.rawValue)                                // $11
        b.append(lead.ownerID)                                        // $12
        b.append(plan.routing.map { RoutingRecord($0).json() })      // $13
        b.append(lead.sla.policyID)                                   // $14
        b.append(lead.sla.state.rawValue)                             // $15
        b.append(lead.sla.startedAt)                                  // $16
        b.append(lead.sla.dueAt)                                      // $17
        b.append(lead.createdAt)                                      // $18
        b.append(plan.timers.map(\.id))                               // $19
        b.append(plan.timers.map(\.kind.rawValue))                    // $20
        b.append(plan.timers.map { $0.step ?? -1 })                   // $21
        b.append(plan.timers.map(\.dueAt))                            // $22
        b.append(lead.status == .assigned ? lead.ownerID : nil)       // $23: counted in the owner's load
        b.append(OwnerLoad.randomSlot())                              // $24
        b.append(plan.events.map(\.id))                               // $25
        b.append(plan.events.map(\.type.rawValue))                    // $26
        b.append(try plan.events.map { String(decoding: try $0.encodedJSON(), as: UTF8.self) })  // $27
        b.append(plan.deliveries.map(\.id))                           // $28
        b.append(plan.deliveries.map(\.eventID))                      // $29
        b.append(plan.deliveries.map(\.channelID))                    // $30
        b.append(idempotency?.key)                                    // $31
        b.append(idempotency?.reservation)                            // $32
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}

    private static func json(_ value: [String: JSONValue]) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }
}
