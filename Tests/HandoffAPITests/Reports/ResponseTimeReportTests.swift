@testable import HandoffTestSupport
import Foundation
import Testing

@Suite struct ResponseTimeReportTests {
    /// Ana: 60, 120, 180, 240 s, all met. Bob: 400 s and 10,800 s breached, one breached and unanswered.
    /// median and p90 are percentile_cont: Ana 150 and 222; Bob 5,600 and 9,760.
    private func fixture(_ app: TestApp) async throws -> SeedConfiguration {
        let seed = try await SeedConfiguration.create(on: app)
        let start = ReportFixtures.date("2026-11-10T09:00:00Z")
        for (index, seconds) in [60, 120, 180, 240].enumerated() {
            try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.ana, policy: seed.policy,
                                                createdAt: start.addingTimeInterval(Double(index) * 3600), responseSeconds: seconds)
        }
        for seconds in [400, 10_800] {
            try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.bob, policy: seed.policy,
                                                createdAt: start, state: "breached", responseSeconds: seconds)
        }
        try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.bob, policy: seed.policy,
                                            createdAt: start, status: "assigned", state: "breached")
        // Neither counts: unqualified, and outside the range.
        try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.ana, policy: seed.policy,
                                            createdAt: start, status: "unqualified")
        try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.ana, policy: seed.policy,
                                            createdAt: ReportFixtures.date("2026-12-01T00:00:00Z"), responseSeconds: 1)
        return seed
    }

    private func rows(_ app: TestApp, _ seed: SeedConfiguration, _ query: String) async throws -> [[String: Any]] {
        let response = try await app.request(.get, "/v1/reports/response-times?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&\(query)", key: seed.key)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()["rows"] as? [[String: Any]] ?? []
    }

    @Test func byOwnerMediansPercentilesAndAttainmentMatchTheHandCheckedFixture() async throws {
        try await TestApp.run { app in
            let seed = try await fixture(app)
            let rows = try await rows(app, seed, "group_by=owner")
            let ana = try #require(rows.first { $0["key"] as? String == seed.ana })
            #expect(ana["label"] as? String == "Ana Schmidt")
            #expect(ana["leads"] as? Int == 4)
            #expect(ana["responded"] as? Int == 4)
            #expect(ana["met"] as? Int == 4)
            #expect(ana["breached"] as? Int == 0)
            #expect(ana["median_seconds"] as? Double == 150)
            #expect(ana["p90_seconds"] as? Double == 222)
            #expect(ana["attainment"] as? Double == 1)
            let bob = try #require(rows.first { $0["key"] as? String == seed.bob })
            #expect(bob["leads"] as? Int == 3)
            #expect(bob["responded"] as? Int == 2)
            #expect(bob["breached"] as? Int == 3)
            #expect(bob["median_seconds"] as? Double == 5600)
            #expect(bob["p90_seconds"] as? Double == 9760)
            #expect(bob["attainment"] as? Double == 0)
            #expect(rows.count == 2)
        }
    }

    @Test func byFunnelTeamAndFilters() async throws {
        try await TestApp.run { app in
            let seed = try await fixture(app)
            let funnel = try await rows(app, seed, "group_by=funnel")
            #expect(funnel.map { $0["leads"] as? Int } == [7])
            #expect(funnel.first?["label"] as? String == "Demo readiness")
            // Ana and Bob are both SDRs: the team has all seven.
            let team = try await rows(app, seed, "group_by=team")
            #expect(team.first { $0["key"] as? String == seed.sdrTeam }?["leads"] as? Int == 7)
            let onlyAna = try await rows(app, seed, "group_by=funnel&owner_id=\(seed.ana)")
            #expect(onlyAna.first?["leads"] as? Int == 4)
        }
    }

    @Test func daysFollowTheTenantsReportingTimeZone() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            // 23:30 UTC on the 10th is the 11th in Berlin.
            try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.ana, policy: seed.policy,
                                                createdAt: ReportFixtures.date("2026-11-10T23:30:00Z"), responseSeconds: 30)
            #expect(try await rows(app, seed, "group_by=day").map { $0["key"] as? String } == ["2026-11-10"])
            _ = try await app.database.system { connection in
                try await connection.query("UPDATE tenants SET reporting_timezone = 'Europe/Berlin'", logger: TestDatabase.logger)
            }
            #expect(try await rows(app, seed, "group_by=day").map { $0["key"] as? String } == ["2026-11-11"])
        }
    }

    @Test func aBadRangeIsAFieldError() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let backwards = try await app.request(.get, "/v1/reports/response-times?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z&group_by=owner", key: seed.key)
            #expect(backwards.status == .unprocessableContent)
        }
    }
}
