@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// The operator's per-tenant daily send quota (`send_quota_per_day`).
@Suite("Send quota")
struct SendQuotaTests {
    @Test("a new tenant has a generous quota; the operator sets it; bad values are 422 and change nothing")
    func theOperatorSetsTheQuota() async throws {
        try await TestApp.run { app in
            let (id, _) = try await app.createTenant()
            let tenant = try await app.get("/v1/tenants/\(id)", key: TestApp.operatorKey)
            #expect(tenant["send_quota_per_day"] as? Int == 10_000)
            #expect(tenant["sends_today"] as? Int == 0)

            let patched = try await app.patch("/v1/tenants/\(id)", key: TestApp.operatorKey, ["send_quota_per_day": 25])
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(try patched.json()["send_quota_per_day"] as? Int == 25)
            for bad: Any in [-1, 10_000_001, "many", 1.5] {
                let refused = try await app.patch("/v1/tenants/\(id)", key: TestApp.operatorKey, ["send_quota_per_day": bad])
                #expect([400, 422].contains(refused.status.code), "\(bad): \(refused.status) \(refused.text)")
                #expect(refused.headers[.contentType] == "application/problem+json")
            }
            #expect(try await app.get("/v1/tenants/\(id)", key: TestApp.operatorKey)["send_quota_per_day"] as? Int == 25)
        }
    }

    @Test("deliveries over the tenant's quota for the UTC day are failed with a last_error that says so, and counted")
    func overQuotaDeliveriesFail() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let patched = try await app.patch("/v1/tenants/\(seed.tenantID)", key: TestApp.operatorKey, ["send_quota_per_day": 1])
            #expect(patched.status == .ok)
            // The seed's lead is assigned: one delivery to the webhook and one to Slack.
            #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).status == .created)

            let deliveries = try await app.list("/v1/deliveries", key: seed.key)
            #expect(deliveries.count == 2)
            let failed = deliveries.filter { $0["status"] as? String == "failed" }
            let pending = deliveries.filter { $0["status"] as? String == "pending" }
            #expect(pending.count == 1, "the first send of the day is within the quota")
            #expect(failed.count == 1, "the second is over it")
            let error = failed.first?["last_error"] as? String ?? ""
            #expect(error.contains("send quota") && error.contains("1 per day"), "\(error)")

            let tenant = try await app.get("/v1/tenants/\(seed.tenantID)", key: TestApp.operatorKey)
            #expect(tenant["sends_today"] as? Int == 1)
        }
    }
}

extension SendQuotaTests {
    @Test("a manual retry is a send too: refused over the quota, sent once the operator raises it")
    func retriesCountAgainstTheQuota() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            #expect(try await app.patch("/v1/tenants/\(seed.tenantID)", key: TestApp.operatorKey, ["send_quota_per_day": 1]).status == .ok)
            #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).status == .created)
            let failed = try #require(try await app.list("/v1/deliveries?status=failed", key: seed.key).first?["id"] as? String)

            let refused = try await app.request(.post, "/v1/deliveries/\(failed)/retry", key: seed.key)
            #expect(try refused.json()["status"] as? String == "failed", "\(refused.text)")
            #expect((try refused.json()["last_error"] as? String)?.contains("send quota") == true)

            #expect(try await app.patch("/v1/tenants/\(seed.tenantID)", key: TestApp.operatorKey, ["send_quota_per_day": 10]).status == .ok)
            let retried = try await app.request(.post, "/v1/deliveries/\(failed)/retry", key: seed.key)
            #expect(try retried.json()["status"] as? String == "pending", "\(retried.text)")
            #expect(try await app.get("/v1/tenants/\(seed.tenantID)", key: TestApp.operatorKey)["sends_today"] as? Int == 2)
        }
    }
}
