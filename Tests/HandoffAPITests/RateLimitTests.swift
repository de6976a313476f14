@testable import HandoffTestSupport
import Foundation
import HandoffAPI
import HTTPTypes
import Testing

@Suite struct RateLimitTests {
    @Test func aKeyOverItsRateGets429WithRetryAfterAndOtherKeysAreUntouched() async throws {
        try await TestApp.run(rateLimit: RateLimit(ratePerSecond: 0.01, capacity: 3)) { app in
            let (_, key) = try await app.createTenant()
            let (_, other) = try await app.createTenant("Other")
            for _ in 0..<3 {
                #expect(try await app.request(.get, "/v1/owners", key: key).status == .ok)
            }
            let limited = try await app.request(.get, "/v1/owners", key: key)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.contentType] == "application/problem+json")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try limited.json()["type"] as? String == "https://handoff.dev/problems/rate-limited")
            // Buckets are per key: another tenant's key still gets through.
            #expect(try await app.request(.get, "/v1/owners", key: other).status == .ok)
        }
    }

    /// A well-formed key that no tenant has.
    static func bogusKey(_ n: Int) -> String { "hk_" + String(format: "%08d", n) + "_" + String(repeating: "x", count: 32) }

    @Test func oneAddressSendingUnknownKeysGets429ProblemJSONBeforeAnyLookup() async throws {
        let clock = TestClock(.wednesdayMorning)  // stands still: no bucket refills during the test
        try await TestApp.run(clock: clock.function) { app in
            var statuses: [Int] = []
            for n in 0..<200 {
                statuses.append(Int(try await app.request(.get, "/v1/owners", key: Self.bogusKey(n)).status.code))
            }
            #expect(statuses.first == 401)
            let lookups = app.dependencies.keyCache.databaseLookups
            let limited = try await app.request(.get, "/v1/owners", key: Self.bogusKey(999))
            #expect(limited.status == .tooManyRequests, "statuses: \(Set(statuses))")
            #expect(limited.headers[.contentType] == "application/problem+json")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try limited.json()["type"] as? String == "https://handoff.dev/problems/rate-limited")
            #expect(app.dependencies.keyCache.databaseLookups == lookups, "the refused key was looked up anyway")
            // The operator key needs no lookup, and is not held back by the limit.
            #expect(try await app.request(.get, "/v1/tenants", key: TestApp.operatorKey).status == .ok)
            clock.advance(by: 3600)
            #expect(try await app.request(.get, "/v1/owners", key: Self.bogusKey(1000)).status == .unauthorized, "the bucket refills")
        }
    }
}
