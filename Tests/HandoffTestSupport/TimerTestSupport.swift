import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import Synchronization

/// A timer row as the tests read it.
struct TimerRow: Sendable, Equatable {
    var id: UUID
    var kind: String
    var step: Int?
    var dueAt: Date
    var firedAt: Date?
    var cancelledAt: Date?

    var pending: Bool { firedAt == nil && cancelledAt == nil }
}

/// An event row with the parts of its payload the tests look at.
struct EventRow: @unchecked Sendable {
    var id: UUID
    var type: String
    var createdAt: Date
    var data: [String: Any]
    var deliveryChannels: [String]

    var late: Bool? { data["late"] as? Bool }
    var lateByMs: Int? { data["late_by_ms"] as? Int }
    var escalation: [String: Any]? { data["escalation"] as? [String: Any] }
    var ownerID: String? { (data["owner"] as? [String: Any])?["id"] as? String }
}

extension TestApp {
    func engine(clock: @escaping @Sendable () -> Date, batchSize: Int = 100, window: Int = 1_000,
                safetyScan: Duration = .seconds(5), onListening: (@Sendable () -> Void)? = nil,
                onLateness: (@Sendable (Duration) -> Void)? = nil) -> TimerEngine {
        TimerEngine(
            database: database,
            settings: TimerSettings(
                clock: clock, batchSize: batchSize, window: window, safetyScan: safetyScan, onListening: onListening, onLateness: onLateness
            ),
            logger: TestDatabase.logger
        )
    }

    func timers(lead: String) async throws -> [TimerRow] {
        let leadID = UUID(uuidString: lead)!
        return try await database.system { connection in
            var result: [TimerRow] = []
            let rows = try await connection.query(
                "SELECT id, kind, step, due_at, fired_at, cancelled_at FROM timers WHERE lead_id = \(leadID) ORDER BY due_at, id",
                logger: TestDatabase.logger
            )
            for try await (id, kind, step, due, fired, cancelled) in rows.decode((UUID, String, Int?, Date, Date?, Date?).self) {
                result.append(TimerRow(id: id, kind: kind, step: step, dueAt: due, firedAt: fired, cancelledAt: cancelled))
            }
            return result
        }
    }

    /// The lead's events in id (timeline) order, with the channels each is delivered to.
    func events(lead: String) async throws -> [EventRow] {
        let leadID = UUID(uuidString: lead)!
        let raw = try await database.system { connection in
            var result: [(UUID, String, Date, String, String)] = []
            let rows = try await connection.query(
                """
                SELECT e.id, e.type, e.created_at, (e.payload -> 'data')::text,
                       coalesce((SELECT string_agg(d.channel_id::text, ',' ORDER BY d.id) FROM deliveries d
                                 WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id), '')
                FROM events e WHERE e.lead_id = \(leadID) ORDER BY e.id
                """,
                logger: TestDatabase.logger
            )
            for try await row in rows.decode((UUID, String, Date, String, String).self) { result.append(row) }
            return result
        }
        return try raw.map { id, type, created, data, channels in
            let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] ?? [:]
            return EventRow(id: id, type: type, createdAt: created, data: object, deliveryChannels: channels.split(separator: ",").map(String.init))
        }
    }

    func lead(_ id: String, key: String) async throws -> [String: Any] {
        let response = try await request(.get, "/v1/leads/\(id)", key: key)
        guard response.status == .ok else { throw TestFailure("GET lead answered \(response.status): \(response.text)") }
        return try response.json()
    }

    /// The owner's `open_leads`, as `GET /v1/owners/{id}` shows it.
    func openLeads(_ owner: String, key: String) async throws -> Int {
        let response = try await request(.get, "/v1/owners/\(owner)", key: key)
        guard response.status == .ok else { throw TestFailure("GET owner answered \(response.status): \(response.text)") }
        return try response.json()["open_leads"] as? Int ?? -1
    }

    func createLead(_ seed: SeedConfiguration, country: String = "DE") async throws -> String {
        let created = try await request(.post, "/v1/leads", key: seed.key, json: seed.lead(country: country))
        guard created.status == .created else { throw TestFailure("lead create answered \(created.status): \(created.text)") }
        return try created.json()["id"] as? String ?? ""
    }
}

extension TestApp {
    /// `count` of Ana's leads started at 09:00Z, each with its three timers
    /// (09:04, 09:05, 09:15) written straight to the tables: a backlog.
    func insertOverdueLeads(_ seed: SeedConfiguration, count: Int) async throws {
        let tenantID = UUID(uuidString: seed.tenantID)!, funnel = UUID(uuidString: seed.funnel)!
        let ana = UUID(uuidString: seed.ana)!, policy = UUID(uuidString: seed.policy)!
        let start = Date.wednesdayMorning
        try await database.system { connection in
            try await connection.query(
                """
                INSERT INTO leads (tenant_id, id, funnel_id, email, score, status, owner_id, sla_policy_id, sla_state,
                                   sla_started_at, sla_due_at, created_at, updated_at)
                SELECT \(tenantID), gen_random_uuid(), \(funnel), 'lead' || g || '@example.com', 90, 'assigned', \(ana), \(policy),
                       'running', \(start), \(start) + interval '5 minutes', \(start), \(start)
                FROM generate_series(1, \(count)) AS g
                """,
                logger: TestDatabase.logger
            )
            try await connection.query(
                """
                INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
                SELECT l.tenant_id, gen_random_uuid(), l.id, k.kind, k.step, l.created_at + k.after * interval '1 second'
                FROM leads l CROSS JOIN (VALUES ('warning', NULL::int, 240), ('breach', NULL, 300), ('escalation', 1, 900)) AS k(kind, step, after)
                WHERE l.tenant_id = \(tenantID)
                """,
                logger: TestDatabase.logger
            )
            try await connection.query(
                "INSERT INTO owner_load (tenant_id, owner_id, slot, delta) VALUES (\(tenantID), \(ana), 0, \(count))",
                logger: TestDatabase.logger
            )
        }
    }

    /// After a backlog of `insertOverdueLeads`: timers still pending, timers
    /// never fired, timer events, (lead, event type) pairs announced more than
    /// once, and leads with all three of their timer events.
    func backlogOutcome() async throws -> (pending: Int, unfired: Int, events: Int, duplicates: Int, complete: Int) {
        try await database.system { connection in
            var result = (0, 0, 0, 0, 0)
            for try await row in try await connection.query(
                """
                SELECT (SELECT count(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL)::int,
                       (SELECT count(*) FROM timers WHERE fired_at IS NULL)::int,
                       (SELECT count(*) FROM events WHERE type <> 'lead.assigned')::int,
                       (SELECT count(*) FROM (SELECT lead_id, type FROM events GROUP BY lead_id, type HAVING count(*) > 1) AS d)::int,
                       (SELECT count(*) FROM (SELECT lead_id FROM events GROUP BY lead_id HAVING count(*) = 3) AS p)::int
                """,
                logger: TestDatabase.logger
            ).decode((Int, Int, Int, Int, Int).self) { result = row }
            return result
        }
    }

    /// Fired timers, timer events, and leads with some but not all of their timers fired.
    func firedCounts() async throws -> (fired: Int, events: Int, partialLeads: Int) {
        try await database.system { connection in
            var result = (fired: 0, events: 0, partialLeads: 0)
            for try await row in try await connection.query(
                """
                SELECT (SELECT count(*) FROM timers WHERE fired_at IS NOT NULL)::int,
                       (SELECT count(*) FROM events WHERE type IN ('sla.warning', 'sla.breached', 'lead.escalated'))::int,
                       (SELECT count(*) FROM (SELECT lead_id FROM timers GROUP BY lead_id
                                              HAVING count(fired_at) NOT IN (0, count(*))) AS p)::int
                """,
                logger: TestDatabase.logger
            ).decode((Int, Int, Int).self) { result = row }
            return result
        }
    }
}

extension Date {
    /// 2026-11-25T09:00:00Z plus `minutes` and `seconds`: the seed's lead clock.
    static func utcMorning(_ minutes: Int, _ seconds: Double = 0) -> Date {
        Date.wednesdayMorning.addingTimeInterval(Double(minutes * 60) + seconds)
    }
}

/// Set once, read from anywhere.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }

    func wait(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isSet {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
