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
}
