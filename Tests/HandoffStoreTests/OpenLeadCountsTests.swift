@testable import HandoffTestSupport
import Foundation
import Testing

/// Intake reads the owners' open leads only when routing needs them (a capacity,
/// or a choice between several owners). When it does, the counts are the live
/// ones: every lead assigned, answered or moved is counted at once.
@Suite struct OpenLeadCountsTests {
    @Test func aCapacityIsCheckedAgainstTheOwnersLiveOpenLeads() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            // Ana alone covers DE and has no capacity: her count decides nothing.
            let first = try await intake(seed.lead(email: "a@example.de"), seed, app)
            #expect(first.owner == seed.ana)
            #expect(first.trace.contains("rule 'Territory SDRs' (position 10) assigned Ana Schmidt by territory (team 'SDRs', territory \"DE\", the only one available)"))

            #expect(try await app.patch("/v1/owners/\(seed.ana)", key: seed.key, ["max_open_leads": 2]).status == .ok)
            #expect(try await intake(seed.lead(email: "b@example.de"), seed, app).owner == seed.ana)
            let full = try await intake(seed.lead(email: "c@example.de"), seed, app)
            #expect(full.owner == seed.carla, "the funnel's fallback owner")
            #expect(full.trace.contains("Ana Schmidt skipped: at capacity (2 of 2 open leads)"))

            // Answering a lead frees its place at once.
            let answered = try await app.request(.post, "/v1/leads/\(first.id)/responses", key: seed.key, json: #"{"channel":"call"}"#)
            #expect(answered.status == .created, "\(answered.text)")
            #expect(try await intake(seed.lead(email: "d@example.de"), seed, app).owner == seed.ana)
        }
    }

    @Test func betweenOwnersCoveringOneTerritoryTheLeastLoadedTakesTheLead() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let dora = try await app.request(.post, "/v1/owners", key: seed.key, json: #"{"name":"Dora Berg","email":"dora@example.com","timezone":"Europe/Berlin","territories":["DE"]}"#)
            let doraID = try #require(try dora.json()["id"] as? String)
            let team = try await app.patch("/v1/teams/\(seed.sdrTeam)", key: seed.key, ["member_ids": [seed.ana, seed.bob, doraID]])
            #expect(team.status == .ok, "\(team.text)")

            var owners: [String] = []
            var traces: [String] = []
            for n in 1...4 {
                let lead = try await intake(seed.lead(email: "lead\(n)@example.de"), seed, app)
                owners.append(lead.owner ?? "none")
                traces.append(lead.trace.first { $0.contains("assigned") } ?? "")
            }
            // Ties go to the earlier member: Ana, then whoever has fewer.
            #expect(owners == [seed.ana, doraID, seed.ana, doraID])
            #expect(traces[0].hasSuffix("assigned Ana Schmidt by territory (team 'SDRs', territory \"DE\", 0 open leads)"))
            #expect(traces[2].hasSuffix("assigned Ana Schmidt by territory (team 'SDRs', territory \"DE\", 1 open lead)"))
        }
    }

    private struct Taken {
        var id: String
        var owner: String?
        var trace: [String]
    }

    private func intake(_ json: String, _ seed: SeedConfiguration, _ app: TestApp) async throws -> Taken {
        let created = try await app.request(.post, "/v1/leads", key: seed.key, json: json)
        guard created.status == .created else { throw TestFailure("POST /v1/leads answered \(created.status): \(created.text)") }
        let id = try #require(try created.json()["id"] as? String)
        let detail = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
        let trace = (detail["routing"] as? [String: Any])?["trace"] as? [String] ?? []
        return Taken(id: id, owner: detail["owner_id"] as? String, trace: trace)
    }
}
