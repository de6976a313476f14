@testable import HandoffTestSupport
import Foundation
import HandoffCore
import PostgresNIO
import Testing

/// Billing for a closed period is final: nothing a tenant can do through the
/// API takes a delivered notification out of the month it was delivered in.
@Suite("Delivery retry and billing")
struct DeliveryRetryBillingTests {
    @Test("retrying a delivered delivery is a 409, and the closed month's usage does not change")
    func retryingADeliveredDeliveryCannotChangeAClosedMonthsUsage() async throws {
        let clock = TestClock(ReportFixtures.date("2026-11-01T09:00:00Z"))
        try await TestApp.run(clock: clock.function) { app in
            let (tenantText, key) = try await app.createTenant("Acme")
            let tenant = try #require(UUID(uuidString: tenantText))
            let channel = try #require(UUID(uuidString: try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned"],
            ])))
            let event = DeliveryTestEvents.event(tenantID: tenant)
            try await DeliveryHarness.insertEvent(event, client: app.database.client, logger: app.database.logger)
            let delivery = UUID.v7(at: clock.now)
            try await app.database.system { connection in
                try await connection.query(
                    """
                    INSERT INTO deliveries (tenant_id, id, event_id, channel_id, status, attempts, delivered_at)
                    VALUES (\(tenant), \(delivery), \(event.id), \(channel), 'delivered', 1, '2026-11-02T10:00:00Z')
                    """, logger: TestDatabase.logger)
            }
            clock.set(ReportFixtures.date("2026-12-10T12:00:00Z"))

            func billed() async throws -> (operator: Int?, tenant: Int?) {
                let all = try await app.request(.get, "/v1/usage?period=2026-11", key: TestApp.operatorKey).json()["data"] as? [[String: Any]] ?? []
                let own = try await app.request(.get, "/v1/usage?period=2026-11", key: key).json()["data"] as? [[String: Any]] ?? []
                func webhook(_ rows: [[String: Any]]) -> Int? {
                    rows.first { $0["metric"] as? String == "notifications_delivered" && $0["dimension"] as? String == "webhook" }?["value"] as? Int
                }
                return (webhook(all), webhook(own))
            }
            let before = try await billed()
            #expect(before.operator == 1)
            #expect(before.tenant == 1)

            let retry = try await app.request(.post, "/v1/deliveries/\(delivery.uuidString.lowercased())/retry", key: key)
            expectProblem(retry, .conflict, slug: "conflict")
            #expect((try retry.json()["detail"] as? String)?.contains("already delivered") == true, "\(retry.text)")

            let after = try await billed()
            #expect(after.operator == 1)
            #expect(after.tenant == 1)
            let listed = try await app.list("/v1/deliveries", key: key)
            #expect(listed.first?["status"] as? String == "delivered")
            #expect(listed.first?["delivered_at"] as? String == "2026-11-02T10:00:00.000Z")
        }
    }
}
