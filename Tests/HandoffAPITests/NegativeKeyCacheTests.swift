@testable import HandoffTestSupport
import Foundation
import HandoffAPI
import HandoffCore
import PostgresNIO
import HTTPTypes
import Testing

/// Unknown keys are remembered for a few seconds, so repeating one costs no
/// database lookup; creating a key forgets them.
@Suite struct NegativeKeyCacheTests {
    @Test func aBurstOfOneUnknownKeyReachesTheDatabaseOnce() async throws {
        try await TestApp.run { app in
            let cache = app.dependencies.keyCache
            let bogus = RateLimitTests.bogusKey(7)
            let before = cache.databaseLookups
            for _ in 0..<50 {
                let response = try await app.request(.get, "/v1/owners", key: bogus)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(cache.databaseLookups - before == 1, "each repeat of an unknown key asked the database again")
        }
    }

    @Test func aKeyCreatedWithAPrefixJustFoundUnknownIsAcceptedOnceTheCreationIsHeard() async throws {
        try await TestApp.run { app in
            let (tenantID, _) = try await app.createTenant()
            let tenant = try #require(UUID(uuidString: tenantID))
            let secret = "hk_abcdefgh_" + String(repeating: "s", count: 32)
            #expect(try await app.request(.get, "/v1/owners", key: secret).status == .unauthorized)
            // A key with that very prefix is created (the API makes random ones;
            // written here directly), and its NOTIFY reaches this process's cache.
            try await app.database.client.query(
                """
                INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes)
                VALUES (\(tenant), \(UUID()), 'made', 'abcdefgh', \(APIKeySecret.hash(secret)), ARRAY['admin'])
                """,
                logger: TestDatabase.logger
            )
            app.dependencies.keyCache.invalidate(tenantID: tenant)  // what the NOTIFY's handler does
            #expect(try await app.request(.get, "/v1/owners", key: secret).status == .ok)
        }
    }
}
