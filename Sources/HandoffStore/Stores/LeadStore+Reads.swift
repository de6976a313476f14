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

    /// One page in `page.order` (see `LeadOrder`), chosen by keyset: the
    /// cursor's sort key and id, never an offset. The page reads the order's
    /// runs one after another (`LeadPageRequest.runs`) until it has a lead
    /// more than it shows; each run is one statement that reads one index
    /// range in order, the board's `leads_running_by_due` (0011) among them.
    ///
    /// The page is chosen first and only its rows are turned into JSON. When
    /// the planner misjudges a filter (a `created_after` of the last minute,
    /// while the statistics are a minute old, looks like a handful of rows),
    /// it takes every matching row and sorts; building JSON for all of them
    /// costs far more than for one page (bench/soak caught those lists
    /// stalling the workers once a minute).
    public func list(tenantID: UUID, filter: LeadFilter, page: LeadPageRequest) async throws -> (leads: [LeadSnapshot], next: String?) {
        let runs = page.runs(slaState: filter.slaState.flatMap(SLASnapshot.State.init(rawValue:)))
        let rows: [ListedLead] = try await database.tenant(tenantID) { connection in
            var rows: [ListedLead] = []
            for run in runs where rows.count <= page.limit {
                rows += try await read(run, limit: page.limit + 1 - rows.count, tenantID: tenantID, filter: filter, on: connection)
            }
            return rows
        }
        let (leads, next) = page.page(rows, key: \.key)
        return (leads.map(\.lead), next)
    }

    private struct ListedLead {
        var lead: LeadSnapshot
        var key: LeadSortKey
    }

    /// Up to `limit` leads of one run, in its order. Only the run's own cursor
    /// is bound; the others' conditions fold away when PostgreSQL plans the
    /// statement with its parameters, and so do the filters not given.
    private func read(_ run: LeadRun, limit: Int, tenantID: UUID, filter: LeadFilter, on connection: PostgresConnection) async throws -> [ListedLead] {
        var newestAfter: UUID?
        var datedAfter: LeadSortKey?
        var undatedAfter: UUID?
        switch run {
        case .newestFirst(let after): newestAfter = after
        case .dated(let after): datedAfter = after
        case .undated(let after): undatedAfter = after
        }
        let range = LeadSQL.range(of: run)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: LeadSQL.json)::text, \(unescaped: LeadSQL.dueAtMicroseconds) FROM (
            SELECT * FROM leads l
            WHERE l.tenant_id = \(tenantID) AND \(unescaped: range.condition)
              AND (\(newestAfter)::uuid IS NULL OR l.id < \(newestAfter))
              AND (\(datedAfter?.id)::uuid IS NULL OR (l.sla_due_at, l.id) > (
                   timestamptz 'epoch' + \(datedAfter?.dueAt)::bigint * interval '1 microsecond', \(datedAfter?.id)))
              AND (\(undatedAfter)::uuid IS NULL OR l.id > \(undatedAfter))
              AND (\(filter.status)::text IS NULL OR l.status = \(filter.status))
              AND (\(filter.slaState)::text IS NULL OR l.sla_state = \(filter.slaState))
              AND (\(filter.ownerID)::uuid IS NULL OR l.owner_id = \(filter.ownerID))
              AND (\(filter.funnelID)::uuid IS NULL OR l.funnel_id = \(filter.funnelID))
              AND (\(filter.createdAfter)::timestamptz IS NULL OR l.created_at >= \(filter.createdAfter))
              AND (\(filter.createdBefore)::timestamptz IS NULL OR l.created_at < \(filter.createdBefore))
              AND (\(filter.externalID)::text IS NULL OR l.external_id = \(filter.externalID))
              AND (\(filter.email)::text IS NULL OR l.email_lower = lower(\(filter.email)::text))
            ORDER BY \(unescaped: range.orderBy) LIMIT \(limit)
            ) l
            ORDER BY \(unescaped: range.orderBy)
            """,
            logger: database.logger
        )
        var leads: [ListedLead] = []
        for try await (json, dueAt) in rows.decode((String, Int64?).self) {
            let lead = try WireJSON.decode(LeadSnapshot.self, from: Data(json.utf8))
            leads.append(ListedLead(lead: lead, key: LeadSortKey(id: lead.id, dueAt: dueAt)))
        }
        return leads
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
