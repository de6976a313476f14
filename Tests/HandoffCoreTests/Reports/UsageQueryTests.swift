import Foundation
import HandoffCore
import Testing

@Suite("Usage query")
struct UsageQueryTests {
    static let november = ClockFixture.utc("2026-11-01 00:00")..<ClockFixture.utc("2026-12-01 00:00")

    @Test("a tenant: from and to inclusive, or a period's days")
    func tenantRanges() throws {
        let days = try UsageQuery.tenantDays(period: nil, from: "2026-11-01", to: "2026-11-30").get()
        #expect(days == Self.november)
        #expect(try UsageQuery.tenantDays(period: "2026-11", from: nil, to: nil).get() == Self.november)
        let oneDay = try UsageQuery.tenantDays(period: nil, from: "2026-11-25", to: "2026-11-25").get()
        #expect(oneDay.upperBound.timeIntervalSince(oneDay.lowerBound) == 86_400)
    }

    @Test("a tenant's bad or contradicting parameters are named, all at once")
    func tenantRefusals() {
        func fields(_ period: String?, _ from: String?, _ to: String?) -> [String] {
            guard case .failure(let failure) = UsageQuery.tenantDays(period: period, from: from, to: to) else { return [] }
            return failure.errors.map(\.field)
        }
        #expect(fields(nil, nil, nil) == ["from", "to"])
        #expect(fields(nil, "2026-11-31", "someday") == ["from", "to"])
        #expect(fields(nil, "2026-11-30", "2026-11-01") == ["to"])
        #expect(fields(nil, "2025-01-01", "2026-01-02") == ["to"], "367 days")
        #expect(fields("", "2026-11-01", "2026-11-02") == ["period", "period"], "malformed, and beside from/to")
        #expect(fields("2026-11", nil, "2026-11-02") == ["period"])
        #expect(fields("2026-13", nil, nil) == ["period"])
    }

    @Test("the operator: a period is required; from and to are refused, not ignored")
    func operatorPeriod() throws {
        #expect(try UsageQuery.operatorPeriod(period: "2026-11", from: nil, to: nil).get().description == "2026-11")
        func fields(_ period: String?, _ from: String?, _ to: String?) -> [String] {
            guard case .failure(let failure) = UsageQuery.operatorPeriod(period: period, from: from, to: to) else { return [] }
            return failure.errors.map(\.field)
        }
        #expect(fields(nil, nil, nil) == ["period"])
        #expect(fields("11/2026", nil, nil) == ["period"])
        #expect(fields("2026-11", "2026-11-01", "2026-11-30") == ["from", "to"])
    }
}
