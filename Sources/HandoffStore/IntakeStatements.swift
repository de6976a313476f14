import Foundation
import HandoffCore
import PostgresNIO

// The statements every lead runs, prepared once per pooled connection.
//
// Planning the intake's five-table statement cost Postgres about as much as
// executing it: `bench/intake.sql` under pgbench took 1.50 ms of Postgres CPU
// per lead sent as unnamed statements (parse, plan, execute each time) and
// 0.80 ms prepared. PostgresNIO prepares a `PostgresPreparedStatement` on a
// connection the first time it runs there and only binds and executes it after.
//
// Every parameter carries a cast, so its type never depends on whether the first
// execution on a connection happened to bind NULL. Each names itself: the
// protocol's default name is `String(reflecting:)` of the type, worked out
// again for every execution.

/// Each owner's open leads and each team's round-robin turn, without locks.
struct RoutingStateStatement: PostgresPreparedStatement {
    typealias Row = (isTeam: Bool, id: UUID, value: Int64)

    static let name = "handoff_routing_state"

    static let sql = """
        SELECT false, o.id, \(OwnerLoad.openLeads(of: "o"))::bigint FROM owners o WHERE o.tenant_id = $1::uuid
        UNION ALL SELECT true, team_id, turns FROM team_rotation WHERE tenant_id = $1::uuid
        """

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

/// A planned lead and everything that hangs off it, in one statement:
/// data-modifying CTEs share a snapshot and their foreign keys are checked at
/// its end, so the lead, its owner's open-lead count, its timers, events and
/// deliveries land together or not at all.
struct InsertLeadStatement: PostgresPreparedStatement {
    typealias Row = ()

    static let name = "handoff_insert_lead"

    static let sql = """
        WITH lead AS (
            INSERT INTO leads (tenant_id, id, funnel_id, external_id, email, name, phone, score, answers, attributes,
                               status, owner_id, routing, sla_policy_id, sla_state, sla_started_at, sla_due_at, created_at, updated_at)
            VALUES ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::text, $8::float8, $9::jsonb, $10::jsonb,
                    $11::text, $12::uuid, $13::jsonb, $14::uuid, $15::text, $16::timestamptz, $17::timestamptz, $18::timestamptz, $18::timestamptz)
        ), timers AS (
            INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
            SELECT $1::uuid, t.id, $2::uuid, t.kind, NULLIF(t.step, -1), t.due_at
            FROM unnest($19::uuid[], $20::text[], $21::int[], $22::timestamptz[]) AS t(id, kind, step, due_at)
        ), load AS (
            INSERT INTO owner_load AS l (tenant_id, owner_id, slot, delta)
            SELECT $1::uuid, $23::uuid, $24::smallint, 1 WHERE $23::uuid IS NOT NULL
            ON CONFLICT (tenant_id, owner_id, slot) DO UPDATE SET delta = l.delta + 1
        ), events AS (
            INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
            SELECT $1::uuid, e.id, e.type, $2::uuid, e.payload::jsonb, $18::timestamptz
            FROM unnest($25::uuid[], $26::text[], $27::text[]) AS e(id, type, payload)
        )
        INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
        SELECT $1::uuid, d.id, d.event_id, d.channel_id, $18::timestamptz, $18::timestamptz, $18::timestamptz
        FROM unnest($28::uuid[], $29::uuid[], $30::uuid[]) AS d(id, event_id, channel_id)
        """

    var plan: IntakePlan
    var tenantID: UUID

    func makeBindings() throws -> PostgresBindings {
        let lead = plan.lead
        var b = PostgresBindings(capacity: 30)
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
        b.append(try plan.routing.map { String(decoding: try WireJSON.encode(RoutingRecord($0)), as: UTF8.self) })  // $13
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
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}

    private static func json(_ value: [String: JSONValue]) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }
}
