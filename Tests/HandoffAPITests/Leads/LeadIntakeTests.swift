@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import PostgresNIO
import Testing

@Suite struct LeadIntakeTests {
    @Test func theSeedsLeadGoesToAnaAndIsDueFiveBusinessMinutesLater() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(score: 80))
            #expect(created.status == .created, "\(created.text)")
            let lead = try created.json()
            #expect(lead["status"] as? String == "assigned")
            #expect(lead["owner_id"] as? String == seed.ana)
            let sla = try #require(lead["sla"] as? [String: Any])
            #expect(sla["state"] as? String == "running")
            #expect(sla["started_at"] as? String == "2026-11-25T09:00:00.000Z")
            #expect(sla["due_at"] as? String == "2026-11-25T09:05:00.000Z")
            #expect(sla["policy_id"] as? String == seed.policy)
            #expect((lead["answers"] as? [String: Any])?["timeline"] as? String == "this quarter")

            let id = try #require(lead["id"] as? String)
            let detail = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            let routing = try #require(detail["routing"] as? [String: Any])
            #expect(routing["rule_id"] as? String == seed.territoryRule)
            #expect(routing["strategy"] as? String == "territory")
            #expect((routing["trace"] as? [String])?.isEmpty == false)
            let timeline = try #require(detail["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["type"] as? String } == ["lead.assigned"])
            let data = try #require(timeline.first?["data"] as? [String: Any])
            #expect((data["owner"] as? [String: Any])?["name"] as? String == "Ana Schmidt")

            // Written with the lead: its three timers and a delivery per subscribed channel.
            let (timers, deliveries) = try await app.database.system { connection in
                var timers: [String] = []
                for try await (kind, due) in try await connection.query(
                    "SELECT kind, due_at FROM timers WHERE lead_id = \(UUID(uuidString: id)!) ORDER BY due_at", logger: TestDatabase.logger
                ).decode((String, Date).self) { timers.append("\(kind)@\(RFC3339Timestamp.format(due))") }
                var channels: [String] = []
                for try await channel in try await connection.query(
                    "SELECT d.channel_id::text FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id WHERE e.lead_id = \(UUID(uuidString: id)!)",
                    logger: TestDatabase.logger
                ).decode(String.self) { channels.append(channel) }
                return (timers, channels)
            }
            #expect(timers == [
                "warning@2026-11-25T09:04:00.000Z", "breach@2026-11-25T09:05:00.000Z", "escalation@2026-11-25T09:15:00.000Z",
            ])
            #expect(Set(deliveries) == [seed.webhook, seed.slack])
        }
    }

    @Test func aLeadBelowTheThresholdIsStoredUnqualifiedAndNothingFires() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(score: 79))
            #expect(created.status == .created)
            let lead = try created.json()
            #expect(lead["status"] as? String == "unqualified")
            #expect(lead["owner_id"] is NSNull)
            #expect((lead["sla"] as? [String: Any])?["state"] as? String == "none")
            let counts = try await app.database.system { connection in
                var result: [Int] = []
                for try await (timers, events, deliveries) in try await connection.query(
                    "SELECT (SELECT count(*) FROM timers)::int, (SELECT count(*) FROM events)::int, (SELECT count(*) FROM deliveries)::int",
                    logger: TestDatabase.logger
                ).decode((Int, Int, Int).self) { result = [timers, events, deliveries] }
                return result
            }
            #expect(counts == [0, 0, 0])
        }
    }

    /// scripts/fuzz found it against a seeded tenant: the intake statement is
    /// prepared once per connection, and when its first lead was unqualified the
    /// routing record was bound as a typeless NULL, the server took `$13::jsonb`
    /// as the parameter's type, and every qualified lead after it on that
    /// connection was a 500 (jsonb_recv read the text as binary jsonb).
    @Test func qualifiedLeadsAfterAnUnqualifiedOneAreStoredOnEveryConnection() async throws {
        try await TestApp.run(clock: { .wednesdayMorning }) { app in
            let seed = try await SeedConfiguration.create(on: app)
            #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(score: 10)).status == .created)
            for n in 0..<8 {
                let created = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(email: "lead\(n)@example.de"))
                #expect(created.status == .created, "lead \(n): \(created.text)")
                #expect(try created.json()["status"] as? String == "assigned")
            }
        }
    }

    @Test func nobodyAvailableFallsBackThenGoesUnassigned() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            // No territory matches FR: the funnel's fallback owner takes it.
            let fallback = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(country: "FR")).json()
            #expect(fallback["owner_id"] as? String == seed.carla)
            // Without an active fallback, the lead is unassigned and its clock still runs.
            #expect(try await app.request(.patch, "/v1/owners/\(seed.carla)", key: seed.key, json: #"{"active":false}"#).status == .ok)
            let unassigned = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(country: "FR")).json()
            #expect(unassigned["status"] as? String == "unassigned")
            #expect((unassigned["sla"] as? [String: Any])?["state"] as? String == "running")
            let events = try await app.request(.get, "/v1/events?type=lead.unassigned", key: seed.key)
            let listed = try #require(try events.json()["data"] as? [[String: Any]])
            #expect(listed.count == 1)
            // The log lists the payload webhooks carry: every key present, null where it does not apply.
            let data = try #require(listed.first?["data"] as? [String: Any])
            for key in ["owner", "escalation", "late", "late_by_ms"] {
                #expect(data[key] is NSNull, "\(key) is written out as null")
            }
            #expect(Set(data.keys) == ["lead", "owner", "sla", "escalation", "late", "late_by_ms"])
        }
    }

    @Test func badSubmissionsAreRefusedWholeAndChangeNothing() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let bad = try await app.request(.post, "/v1/leads", key: seed.key, json: #"{"funnel_id":"\#(seed.funnel)","email":"not-an-email","score":80,"name":"  "}"#)
            #expect(bad.status == .unprocessableContent)
            let fields = ((try bad.json()["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains("email"))
            let other = try await SeedConfiguration.create(on: app, tenant: "Other")
            let foreign = try await app.request(.post, "/v1/leads", key: seed.key, json: other.lead())
            #expect(foreign.status == .unprocessableContent)
            #expect(((try foreign.json()["errors"] as? [[String: Any]])?.first?["field"] as? String) == "funnel_id")
            let list = try await app.request(.get, "/v1/leads", key: seed.key).json()
            #expect((list["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func anIngestKeyCanSubmitButNotRead() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let ingest = try await app.createKey(adminKey: seed.key, scopes: ["ingest"])
            #expect(try await app.request(.post, "/v1/leads", key: ingest.secret, json: seed.lead()).status == .created)
            #expect(try await app.request(.post, "/v1/routing/simulate", key: ingest.secret, json: seed.lead()).status == .ok)
            #expect(try await app.request(.get, "/v1/leads", key: ingest.secret).status == .forbidden)
        }
    }

    @Test func simulationRoutesLikeIntakeAndStoresNothing() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let simulated = try await app.request(.post, "/v1/routing/simulate", key: seed.key, json: seed.lead(country: "US"))
            #expect(simulated.status == .ok, "\(simulated.text)")
            let body = try simulated.json()
            #expect(body["qualified"] as? Bool == true)
            #expect(body["owner_id"] as? String == seed.bob)
            #expect(body["rule_id"] as? String == seed.territoryRule)
            #expect(body["due_at"] as? String == "2026-11-25T09:05:00.000Z")
            #expect((body["trace"] as? [String])?.isEmpty == false)
            let list = try await app.request(.get, "/v1/leads", key: seed.key).json()
            #expect((list["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func anotherTenantsLeadIsNotFoundEverywhere() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let other = try await SeedConfiguration.create(on: app, tenant: "Other")
            let id = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()["id"] as? String ?? ""
            #expect(try await app.request(.get, "/v1/leads/\(id)", key: other.key).status == .notFound)
            #expect(try await app.request(.post, "/v1/leads/\(id)/responses", key: other.key, json: #"{"channel":"call"}"#).status == .notFound)
            #expect(try await app.request(.post, "/v1/leads/\(id)/assignment", key: other.key, json: #"{"owner_id":"\#(other.ana)"}"#).status == .notFound)
            let events = try await app.request(.get, "/v1/events?lead_id=\(id)", key: other.key).json()
            #expect((events["data"] as? [Any])?.isEmpty == true)
        }
    }
}
