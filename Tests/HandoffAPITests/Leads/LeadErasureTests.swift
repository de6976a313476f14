@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HTTPTypes
import PostgresNIO
import Testing

/// `DELETE /v1/leads/{id}`: a data subject's erasure request, honoured
/// everywhere the lead's personal data was copied, while the reports keep
/// counting the lead.
@Suite("Lead erasure")
struct LeadErasureTests {
    /// What the seed's lead body carries that identifies the person.
    static let personalData = ["max@example.de", "Mustermann", "quiz-1", "50-200", "this quarter", "+49 30 1234567"]

    static func leadBody(_ seed: SeedConfiguration) -> String {
        """
        {"funnel_id":"\(seed.funnel)","external_id":"quiz-1","email":"max@example.de","name":"Max Mustermann","phone":"+49 30 1234567",
         "score":86,"answers":{"team_size":"50-200","timeline":"this quarter"},"attributes":{"country":"DE"}}
        """
    }

    @Test("an erased lead keeps no personal data in the lead, its events, deliveries or stored replays, and reports still count it")
    func erasureRemovesPersonalDataEverywhere() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let replayKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "erase-me-1"]
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: Self.leadBody(seed), headers: replayKey)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            let before = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            // Another person's lead stays as it is.
            let other = try await app.request(.post, "/v1/leads", key: seed.key, json: """
                {"funnel_id":"\(seed.funnel)","external_id":"quiz-2","email":"erika@example.de","name":"Erika Musterfrau","score":90,
                 "answers":{"team_size":"10-50"},"attributes":{"country":"DE"}}
                """)
            let otherID = try #require(try other.json()["id"] as? String)
            // A receiver that answered by echoing the payload: its words are in the log.
            try await app.database.system { connection in
                try await connection.query(
                    """
                    WITH one AS (
                        SELECT d.tenant_id, d.id FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
                        WHERE e.lead_id = \(UUID(uuidString: id)!) LIMIT 1
                    ), attempt AS (
                        INSERT INTO delivery_attempts (tenant_id, id, delivery_id, attempted_at, duration_ms, status_code, error)
                        SELECT tenant_id, \(UUID.v7(at: clock.now)), id, \(clock.now), 20, 422, 'the receiver answered 422: bad email max@example.de' FROM one
                    )
                    UPDATE deliveries d SET status = 'failed', attempts = 1, last_error = 'the receiver answered 422: bad email max@example.de'
                    FROM one WHERE d.tenant_id = one.tenant_id AND d.id = one.id
                    """, logger: TestDatabase.logger)
            }
            clock.advance(by: 30)

            // Only an admin key erases.
            let reader = try await app.createKey(adminKey: seed.key, scopes: ["read"])
            expectProblem(try await app.request(.delete, "/v1/leads/\(id)", key: reader.secret), .forbidden)

            let erased = try await app.request(.delete, "/v1/leads/\(id)", key: seed.key)
            #expect(erased.status == .noContent, "\(erased.text)")

            // The tombstone: no personal data, what the reports count kept.
            let lead = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            for field in ["email", "name", "phone", "external_id"] { #expect(lead[field] is NSNull, "\(field): \(lead[field] ?? "absent")") }
            #expect((lead["answers"] as? [String: Any])?.isEmpty == true)
            #expect((lead["attributes"] as? [String: Any])?.isEmpty == true)
            #expect(lead["erased_at"] as? String == "2026-11-25T09:00:30.000Z")
            for field in ["id", "funnel_id", "score", "status", "owner_id", "created_at"] {
                #expect("\(lead[field] ?? "absent")" == "\(before[field] ?? "absent")", "\(field)")
            }
            #expect(lead["owner_id"] as? String == seed.ana)
            let sla = try #require(lead["sla"] as? [String: Any]), slaBefore = try #require(before["sla"] as? [String: Any])
            for field in ["policy_id", "started_at", "due_at"] { #expect("\(sla[field] ?? "")" == "\(slaBefore[field] ?? "")", "sla.\(field)") }
            #expect((lead["routing"] as? [String: Any])?["trace"] as? [Any] != nil)

            // Nowhere over the API, nowhere in the database.
            let reads = [
                try await app.request(.get, "/v1/leads/\(id)", key: seed.key).text,
                try await app.request(.get, "/v1/events?lead_id=\(id)", key: seed.key).text,
                try await app.request(.get, "/v1/events", key: seed.key).text,
                try await app.request(.get, "/v1/leads?status=assigned", key: seed.key).text,
            ]
            for text in reads {
                for datum in Self.personalData { #expect(!text.contains(datum), "\(datum) still in \(text.prefix(300))") }
            }
            let events = try await app.request(.get, "/v1/events?lead_id=\(id)", key: seed.key).json()["data"] as? [[String: Any]] ?? []
            #expect(!events.isEmpty)
            for event in events {
                let data = try #require(event["data"] as? [String: Any]), eventLead = try #require(data["lead"] as? [String: Any])
                #expect(eventLead["email"] is NSNull)
                #expect(eventLead["erased_at"] as? String == "2026-11-25T09:00:30.000Z")
            }
            let leftovers = try await Self.rowsMentioning(Self.personalData, database: app)
            #expect(leftovers.isEmpty, "personal data left in: \(leftovers)")

            // Nothing more is sent about it: its pending deliveries are cancelled.
            let deliveries = try await app.list("/v1/deliveries", key: seed.key)
            let ofLead = deliveries.filter { delivery in events.contains { $0["id"] as? String == delivery["event_id"] as? String } }
            #expect(!ofLead.isEmpty)
            for delivery in ofLead {
                #expect(delivery["status"] as? String == "failed")
                #expect((delivery["last_error"] as? String)?.contains("erased") == true)
            }

            // Reports and usage still count it.
            let report = try await app.request(.get, "/v1/reports/response-times?from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z&group_by=owner", key: seed.key).json()
            let rows = report["rows"] as? [[String: Any]] ?? []
            #expect(rows.reduce(0) { $0 + ($1["leads"] as? Int ?? 0) } == 2, "\(rows)")
            let usage = try await app.request(.get, "/v1/usage?from=2026-11-25&to=2026-11-25", key: seed.key).json()["data"] as? [[String: Any]] ?? []
            #expect(usage.first { $0["metric"] as? String == "leads_received" }?["value"] as? Int == 2)

            // The other lead is untouched.
            #expect(try await app.request(.get, "/v1/leads/\(otherID)", key: seed.key).json()["email"] as? String == "erika@example.de")

            // A tombstone no longer changes.
            let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call"}"#)
            expectProblem(response, .conflict, slug: "conflict")
            let reassign = try await app.request(.post, "/v1/leads/\(id)/assignment", key: seed.key, json: #"{"owner_id":"\#(seed.bob)"}"#)
            expectProblem(reassign, .conflict, slug: "conflict")

            // Erasing again changes nothing and says so with the same 204.
            clock.advance(by: 60)
            #expect(try await app.request(.delete, "/v1/leads/\(id)", key: seed.key).status == .noContent)
            #expect(try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()["erased_at"] as? String == "2026-11-25T09:00:30.000Z")
        }
    }

    @Test("erasing a lead that is missing or another tenant's is a 404, a malformed id a 422; nothing changes")
    func erasureOfAnotherTenantsLeadIsNotFound() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let other = try await SeedConfiguration.create(on: app, tenant: "Globex")
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: Self.leadBody(seed))
            let id = try #require(try created.json()["id"] as? String)
            expectProblem(try await app.request(.delete, "/v1/leads/\(id)", key: other.key), .notFound, slug: "not-found")
            expectProblem(try await app.request(.delete, "/v1/leads/\(unknownID())", key: seed.key), .notFound, slug: "not-found")
            try expectValidation(try await app.request(.delete, "/v1/leads/not-an-id", key: seed.key), fields: ["id"])
            let lead = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            #expect(lead["email"] as? String == "max@example.de")
            #expect(lead["erased_at"] == nil)
        }
    }

    /// Tables (and columns) whose text still contains any of `needles`.
    static func rowsMentioning(_ needles: [String], database app: TestApp) async throws -> [String] {
        try await app.database.system { connection in
            var found: [String] = []
            let checks: [(String, PostgresQuery)] = [
                ("leads", "SELECT count(*)::int FROM leads l WHERE l::text ILIKE ANY (\(needles.map { "%\($0)%" }))"),
                ("events", "SELECT count(*)::int FROM events e WHERE e.payload::text ILIKE ANY (\(needles.map { "%\($0)%" }))"),
                ("deliveries", "SELECT count(*)::int FROM deliveries d WHERE d.last_error ILIKE ANY (\(needles.map { "%\($0)%" }))"),
                ("delivery_attempts", "SELECT count(*)::int FROM delivery_attempts a WHERE a.error ILIKE ANY (\(needles.map { "%\($0)%" }))"),
                ("idempotency_keys", """
                    SELECT count(*)::int FROM idempotency_keys k, unnest(\(needles)::text[]) AS n(needle)
                    WHERE position(convert_to(n.needle, 'UTF8') IN coalesce(k.response_body, ''::bytea)) > 0
                    """),
            ]
            for (table, query) in checks {
                for try await count in try await connection.query(query, logger: TestDatabase.logger).decode(Int.self) where count > 0 {
                    found.append("\(table) (\(count))")
                }
            }
            return found
        }
    }
}
