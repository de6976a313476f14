@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import PostgresNIO
import Testing

@Suite struct LeadLifecycleTests {
    @Test func aResponseExactlyAtTheDeadlineIsMetAndStopsTheClock() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()["id"] as? String ?? ""
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 1)
            clock.advance(by: 400)
            let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key,
                                                 json: #"{"channel":"call","responded_at":"2026-11-25T09:05:00.000Z"}"#)
            #expect(response.status == .created, "\(response.text)")
            let lead = try response.json()
            #expect(lead["status"] as? String == "responded")
            let sla = try #require(lead["sla"] as? [String: Any])
            #expect(sla["state"] as? String == "met")
            #expect(sla["response_seconds"] as? Int == 300)
            #expect(sla["responded_at"] as? String == "2026-11-25T09:05:00.000Z")

            // A later response is recorded in the timeline, not announced, and changes nothing.
            let later = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"email"}"#)
            #expect(((try later.json()["sla"] as? [String: Any])?["state"] as? String) == "met")

            let (pending, responded, deliveriesForResponses) = try await app.database.system { connection in
                var result = (0, 0, 0)
                for try await row in try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL)::int,
                           (SELECT count(*) FROM events WHERE type = 'lead.responded')::int,
                           (SELECT count(*) FROM deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
                             WHERE e.type = 'lead.responded')::int
                    """, logger: TestDatabase.logger
                ).decode((Int, Int, Int).self) { result = row }
                return result
            }
            #expect(pending == 0)
            #expect(responded == 2)
            #expect(deliveriesForResponses == 1)  // the first response, to the one subscribed webhook
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 0)
        }
    }

    @Test func aResponseOneMillisecondLateIsBreached() async throws {
        let clock = TestClock(.wednesdayMorning.addingTimeInterval(600))
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let lead = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()
            clock.advance(by: 3600)
            let id = lead["id"] as? String ?? ""
            let due = try #require((lead["sla"] as? [String: Any])?["due_at"] as? String)
            let late = RFC3339Timestamp.format(try #require(RFC3339Timestamp.parse(due)).addingTimeInterval(0.001))
            let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call","responded_at":"\#(late)"}"#)
            #expect(response.status == .created, "\(response.text)")
            #expect(((try response.json()["sla"] as? [String: Any])?["state"] as? String) == "breached")
        }
    }

    @Test func aResponseFromTheFutureOrBeforeTheLeadIsRefused() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()["id"] as? String ?? ""
            let future = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call","responded_at":"2027-01-01T00:00:00Z"}"#)
            #expect(future.status == .unprocessableContent)
            let early = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call","responded_at":"2026-01-01T00:00:00Z"}"#)
            #expect(early.status == .unprocessableContent)
            let lead = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            #expect((lead["sla"] as? [String: Any])?["state"] as? String == "running")
        }
    }

    @Test func reassigningMovesTheLoadAndWithRestartStartsANewClock() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            #expect(try await app.request(.patch, "/v1/sla-policies/\(seed.policy)", key: seed.key, json: #"{"restart_on_reassign":true}"#).status == .ok)
            let id = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()["id"] as? String ?? ""
            clock.advance(by: 120)
            let moved = try await app.request(.post, "/v1/leads/\(id)/assignment", key: seed.key, json: #"{"owner_id":"\#(seed.bob)"}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            let lead = try moved.json()
            #expect(lead["owner_id"] as? String == seed.bob)
            #expect((lead["sla"] as? [String: Any])?["started_at"] as? String == "2026-11-25T09:02:00.000Z")
            #expect((lead["sla"] as? [String: Any])?["due_at"] as? String == "2026-11-25T09:07:00.000Z")
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 0)
            #expect(try await app.openLeads(seed.bob, key: seed.key) == 1)
            let unknown = try await app.request(.post, "/v1/leads/\(id)/assignment", key: seed.key, json: #"{"owner_id":"\#(UUID().uuidString)"}"#)
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test func twoHundredConcurrentLeadsSplitEvenlyAcrossARoundRobinTeam() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            var owners: [String] = []
            for index in 0..<3 {
                let response = try await app.request(.post, "/v1/owners", key: seed.key, json: #"{"name":"Rep \#(index)","email":"rep\#(index)@example.com"}"#)
                owners.append(try response.json()["id"] as? String ?? "")
            }
            let members = owners.map { "\"\($0)\"" }.joined(separator: ",")
            let team = try await app.request(.post, "/v1/teams", key: seed.key, json: #"{"name":"Pool","member_ids":[\#(members)]}"#).json()["id"] as? String ?? ""
            let rule = try await app.request(.post, "/v1/routing-rules", key: seed.key, json: """
                {"name":"Everyone else","funnel_id":"\(seed.funnel)","position":1,"assign":{"strategy":"round_robin","team_id":"\(team)"}}
                """)
            #expect(rule.status == .created)
            let assigned = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let response = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(email: "lead\(index)@example.com"))
                        return try response.json()["owner_id"] as? String
                    }
                }
                var owners: [String] = []
                for try await owner in group { if let owner { owners.append(owner) } }
                return owners
            }
            #expect(assigned.count == 200)
            let counts = owners.map { owner in assigned.filter { $0 == owner }.count }
            #expect(counts.max()! - counts.min()! <= 1, "turns per rep: \(counts)")
            // Each lead was counted in its owner's load in its own commit: none lost to concurrency.
            for (owner, count) in zip(owners, counts) {
                #expect(try await app.openLeads(owner, key: seed.key) == count)
            }
        }
    }

    @Test func aConfigurationChangeReachesIntakeAtOnceInEveryProcess() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            // Another process's cache, on the same database.
            let other = ConfigurationCache(database: app.database)
            let listener = Task { try await other.run() }
            defer { listener.cancel() }
            try await waitUntil { app.dependencies.configurationCache.isListening && other.isListening }
            let tenantID = try #require(UUID(uuidString: seed.tenantID))
            let ana = try #require(UUID(uuidString: seed.ana))

            #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()["owner_id"] as? String == seed.ana)
            #expect(try await other.configuration(tenantID: tenantID).owners[ana]?.active == true)

            #expect(try await app.request(.patch, "/v1/owners/\(seed.ana)", key: seed.key, json: #"{"active":false}"#).status == .ok)
            // This process: the very next lead no longer goes to Ana.
            let next = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()
            #expect(next["owner_id"] as? String == seed.carla)
            // The other process hears the NOTIFY.
            try await waitUntil { try await other.configuration(tenantID: tenantID).owners[ana]?.active == false }
        }
    }

    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 2 s")
    }
}
