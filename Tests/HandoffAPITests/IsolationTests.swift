@testable import HandoffTestSupport
import Foundation
import HandoffStore
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Tenant isolation")
struct IsolationTests {
    @Test("tenant B gets 404 for tenant A's key and cannot revoke it; lists never mix")
    func crossTenantIDsAreNotFound() async throws {
        try await TestApp.run { app in
            let (_, adminA) = try await app.createTenant("A")
            let (_, adminB) = try await app.createTenant("B")
            let (keyA, secretA) = try await app.createKey(adminKey: adminA, scopes: ["read"], name: "a-reader")
            let attempt = try await app.request(.delete, "/v1/api-keys/\(keyA)", key: adminB)
            #expect(attempt.status == .notFound)
            #expect(!attempt.text.contains("a-reader"))
            #expect(try await app.request(.get, "/v1/api-keys", key: secretA).status == .ok, "A's key still works")
            let listB = try await app.request(.get, "/v1/api-keys", key: adminB).json()
            let ids = (listB["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids.count == 1)
            #expect(!ids.contains(keyA))
        }
    }

    @Test("through the application role, a query with no tenant filter sees only its tenant's rows")
    func rowLevelSecurity() async throws {
        try await TestApp.run { app in
            let (tenantA, adminA) = try await app.createTenant("A")
            let (tenantB, _) = try await app.createTenant("B")
            _ = try await app.createKey(adminKey: adminA, scopes: ["read"])
            let a = try #require(UUID(uuidString: tenantA))
            let b = try #require(UUID(uuidString: tenantB))

            // The service's own path: the tenant transaction.
            let seenByA = try await app.database.tenant(a) { connection in
                try await connection.query("SELECT count(*) FROM api_keys", logger: TestDatabase.logger).collect().first?.decode(Int.self)
            }
            let seenByB = try await app.database.tenant(b) { connection in
                try await connection.query("SELECT count(*), count(*) FILTER (WHERE tenant_id = \(a)) FROM api_keys", logger: TestDatabase.logger)
                    .collect().first?.decode((Int, Int).self)
            }
            #expect(seenByA == 2)
            #expect(seenByB?.0 == 1)
            #expect(seenByB?.1 == 0)

            // By hand, on a superuser connection (the tests connect as one): the
            // role switch alone is what holds, and no tenant means no rows.
            try await app.database.client.withConnection { connection in
                let logger = TestDatabase.logger
                let all = try await connection.query("SELECT count(*) FROM api_keys", logger: logger).collect().first?.decode(Int.self)
                #expect(all == 3, "a superuser bypasses RLS; this is why every transaction switches role")
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SET LOCAL ROLE handoff_app", logger: logger)
                let none = try await connection.query("SELECT count(*) FROM api_keys", logger: logger).collect().first?.decode(Int.self)
                #expect(none == 0)
                try await connection.query("SELECT set_config('app.tenant_id', \(tenantB), true)", logger: logger)
                let onlyB = try await connection.query("SELECT count(*) FROM api_keys", logger: logger).collect().first?.decode(Int.self)
                #expect(onlyB == 1)
                let tenantsSeen = try await connection.query("SELECT count(*) FROM tenants", logger: logger).collect().first?.decode(Int.self)
                #expect(tenantsSeen == 1)
                // Writing another tenant's row is refused too.
                await #expect(throws: PSQLError.self) {
                    try await connection.query(
                        "INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes) VALUES (\(a), \(UUID()), 'x', 'zzzzzzzz', '\\x00'::bytea, '{read}')",
                        logger: logger
                    )
                }
                try await connection.query("ROLLBACK", logger: logger)
            }
        }
    }

    @Test("the tenant setting does not outlive its transaction on a pooled connection")
    func settingsAreTransactionLocal() async throws {
        try await TestApp.run { app in
            let (tenantA, _) = try await app.createTenant("A")
            let a = try #require(UUID(uuidString: tenantA))
            try await app.database.client.withConnection { connection in
                try await connection.query("BEGIN", logger: TestDatabase.logger)
                try await connection.query("SELECT set_config('role', 'handoff_app', true), set_config('app.tenant_id', \(a.uuidString), true)", logger: TestDatabase.logger)
                try await connection.query("COMMIT", logger: TestDatabase.logger)
                let row = try await connection.query(
                    "SELECT current_user, coalesce(current_setting('app.tenant_id', true), '')", logger: TestDatabase.logger
                ).collect().first?.decode((String, String).self)
                #expect(row?.0 != "handoff_app")
                #expect(row?.1 == "")
            }
        }
    }
}
