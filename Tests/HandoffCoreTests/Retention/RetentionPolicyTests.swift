import Foundation
import HandoffCore
import Testing

@Suite("Retention policy")
struct RetentionPolicyTests {
    static let now = ClockFixture.utc("2026-11-25 00:30")

    @Test("events and deliveries are kept for the configured days, settled timers a day, replays their 24 h")
    func cutoffs() {
        let policy = RetentionPolicy(days: 400)
        #expect(policy.recordsCutoff(now: Self.now) == Self.now.addingTimeInterval(-400 * 86_400))
        #expect(policy.settledTimersCutoff(now: Self.now) == Self.now.addingTimeInterval(-86_400))
        #expect(policy.idempotencyCutoff(now: Self.now) == Self.now.addingTimeInterval(-86_400))
    }

    @Test("a day is closed for billing only once it has been over for the rollup delay")
    func closedDays() {
        let policy = RetentionPolicy(rollupDelay: 3_600)
        // Half past midnight: yesterday may still get late records, so it is open.
        #expect(policy.closedBefore(now: Self.now) == ClockFixture.utc("2026-11-24 00:00"))
        #expect(policy.closedBefore(now: ClockFixture.utc("2026-11-25 01:00")) == ClockFixture.utc("2026-11-25 00:00"))
        #expect(UsageDay.start(of: ClockFixture.utc("2026-11-25 23:59")) == ClockFixture.utc("2026-11-25 00:00"))
        #expect(UsageDay.label(ClockFixture.utc("2026-11-25 00:00")) == "2026-11-25")
    }

    @Test("HANDOFF_RETENTION_DAYS: unset is 400; a bad value is refused with what to set")
    func environment() throws {
        #expect(try RetentionPolicy.days(from: nil).get() == 400)
        #expect(try RetentionPolicy.days(from: " ").get() == 400)
        #expect(try RetentionPolicy.days(from: "30").get() == 30)
        for bad in ["0", "-1", "a year", "1.5", "36501"] {
            guard case .failure(let failure) = RetentionPolicy.days(from: bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(failure.message.contains("HANDOFF_RETENTION_DAYS must be a whole number of days"))
        }
    }

    @Test("the v7 floor of an instant sorts above every id made before it and at or below every id made from it")
    func v7Floor() {
        let instant = ClockFixture.utc("2026-11-25 10:00")
        let floor = UUID.v7Floor(at: instant)
        func below(_ a: UUID, _ b: UUID) -> Bool {
            withUnsafeBytes(of: a.uuid) { x in withUnsafeBytes(of: b.uuid) { y in x.lexicographicallyPrecedes(y) } }
        }
        for _ in 0..<200 {
            #expect(below(UUID.v7(at: instant.addingTimeInterval(-0.001)), floor))
            #expect(!below(UUID.v7(at: instant), floor))
        }
    }
}

@Suite("Tenant deletion plan")
struct TenantDeletionPlanTests {
    typealias Reference = TenantDeletionPlan.Reference

    @Test("every table is emptied before the tables it refers to; outside and self references are ignored")
    func order() throws {
        let tables: Set<String> = ["leads", "events", "deliveries", "delivery_attempts", "channels", "owners", "funnels"]
        let references = [
            Reference(from: "delivery_attempts", to: "deliveries"), Reference(from: "deliveries", to: "events"),
            Reference(from: "deliveries", to: "channels"), Reference(from: "leads", to: "funnels"),
            Reference(from: "leads", to: "owners"), Reference(from: "funnels", to: "owners"),
            Reference(from: "leads", to: "tenants"), Reference(from: "owners", to: "owners"),
        ]
        let order = try TenantDeletionPlan.order(tables: tables, references: references).get()
        #expect(Set(order) == tables)
        #expect(order.count == tables.count)
        for reference in references where tables.contains(reference.to) && reference.from != reference.to {
            let from = try #require(order.firstIndex(of: reference.from)), to = try #require(order.firstIndex(of: reference.to))
            #expect(from < to, "\(reference.from) must go before \(reference.to): \(order)")
        }
    }

    @Test("tables that refer to each other in a ring are named, not guessed at")
    func cycle() {
        let result = TenantDeletionPlan.order(tables: ["a", "b", "c"], references: [Reference(from: "a", to: "b"), Reference(from: "b", to: "a")])
        #expect(result == .failure(.cycle(["a", "b"])))
    }
}
