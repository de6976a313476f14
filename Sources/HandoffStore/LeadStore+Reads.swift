import Foundation
import HandoffCore
import PostgresNIO

/// A lead with everything GET /v1/leads/{id} shows.
public struct LeadDetail: Sendable {
    public var lead: LeadSnapshot
    public var routing: RoutingRecord?
    /// Every event of the lead, oldest first, as webhooks carry them.
    public var timeline: [HandoffEvent]
}

public struct LeadFilter: Sendable {
    public var status: String?
    public var slaState: String?
    public var ownerID: UUID?
    public var funnelID: UUID?
    public var createdAfter: Date?
    public var createdBefore: Date?
    /// The client's own id for the submission, matched exactly.
    public var externalID: String?
    /// Matched case-insensitively: a CRM looking a person up has their address
    /// in whatever case it was typed there.
    public var email: String?

    public init(
        status: String? = nil, slaState: String? = nil, ownerID: UUID? = nil, funnelID: UUID? = nil,
        createdAfter: Date? = nil, createdBefore: Date? = nil, externalID: String? = nil, email: String? = nil
    ) {
        self.status = status
        self.slaState = slaState
        self.ownerID = ownerID
        self.funnelID = funnelID
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.externalID = externalID
        self.email = email
    }
}

extension LeadStore {
    public func get(_ id: UUID, tenantID: UUID) async throws -> LeadDetail? {
        try await database.tenant(tenantID) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: LeadSQL.json)::text, l.routing::text,
                       (SELECT coalesce(jsonb_agg(e.payload ORDER BY e.id), '[]') FROM events e
                        WHERE e.tenant_id = l.tenant_id AND e.lead_id = l.id)::text
                FROM leads l WHERE l.tenant_id = \(tenantID) AND l.id = \(id)
                """,
                logger: database.logger
            )
            for try await (lead, routing, timeline) in rows.decode((String, String?, String).self) {
                return LeadDetail(
                    lead: try WireJSON.decode(LeadSnapshot.self, from: Data(lead.utf8)),
                    routing: try routing.map { try WireJSON.decode(RoutingRecord.self, from: Data($0.utf8)) },
                    timeline: try WireJSON.decode([HandoffEvent].self, from: Data(timeline.utf8))
                )
            }
            return nil
        }
    }

    /// Newest first; the cursor is the last id of the previous page.
    ///
    /// The page is chosen first and only its rows are turned into JSON. When
    /// the planner misjudges a filter (a `created_after` of the last minute,
    /// while the statistics are a minute old, looks like a handful of rows),
    /// it takes every matching row and sorts; building JSON for all of them
    /// cost 130 ms for 15,000 rows, choosing first costs 18 ms (bench/soak,
    /// where those lists stalled the workers once a minute).
    public func list(tenantID: UUID, filter: LeadFilter, page: PageRequest) async throws -> (leads: [LeadSnapshot], next: String?) {
        let rows: [LeadSnapshot] = try await database.tenant(tenantID) { connection in
            var leads: [LeadSnapshot] = []
            let rows = try await connection.query(
                """
                SELECT \(unescaped: LeadSQL.json)::text FROM (
                SELECT * FROM leads l
                WHERE l.tenant_id = \(tenantID)
                  AND (\(page.after)::uuid IS NULL OR l.id < \(page.after))
                  AND (\(filter.status)::text IS NULL OR l.status = \(filter.status))
                  AND (\(filter.slaState)::text IS NULL OR l.sla_state = \(filter.slaState))
                  AND (\(filter.ownerID)::uuid IS NULL OR l.owner_id = \(filter.ownerID))
                  AND (\(filter.funnelID)::uuid IS NULL OR l.funnel_id = \(filter.funnelID))
                  AND (\(filter.createdAfter)::timestamptz IS NULL OR l.created_at >= \(filter.createdAfter))
                  AND (\(filter.createdBefore)::timestamptz IS NULL OR l.created_at < \(filter.createdBefore))
                  AND (\(filter.externalID)::text IS NULL OR l.external_id = \(filter.externalID))
                  AND (\(filter.email)::text IS NULL OR lower(l.email) = lower(\(filter.email)))
                ORDER BY l.id DESC LIMIT \(page.limit + 1)
                ) l
                ORDER BY l.id DESC
                """,
                logger: database.logger
            )
            for try await json in rows.decode(String.self) {
                leads.append(try WireJSON.decode(LeadSnapshot.self, from: Data(json.utf8)))
            }
            return leads
        }
        let (leads, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (leads, next)
    }

    /// The event log, newest first: what happened to leads. Channel tests
    /// (`ping`) are not in it; their deliveries are in `GET /v1/deliveries`.
    public func events(tenantID: UUID, leadID: UUID?, type: String?, page: PageRequest) async throws -> (events: [HandoffEvent], next: String?) {
        let rows: [HandoffEvent] = try await database.tenant(tenantID) { connection in
            var events: [HandoffEvent] = []
            let rows = try await connection.query(
                """
                SELECT payload::text FROM events
                WHERE tenant_id = \(tenantID) AND type <> \(PingEvent.type)
                  AND (\(page.after)::uuid IS NULL OR id < \(page.after))
                  AND (\(leadID)::uuid IS NULL OR lead_id = \(leadID))
                  AND (\(type)::text IS NULL OR type = \(type))
                ORDER BY id DESC LIMIT \(page.limit + 1)
                """,
                logger: database.logger
            )
            for try await json in rows.decode(String.self) {
                events.append(try HandoffEvent.decode(from: Array(json.utf8)))
            }
            return events
        }
        let (events, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (events, next)
    }
}
