@testable import HandoffTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Tenants (operator)")
struct TenantsTests {
    @Test("creating a tenant returns it with a working admin key, shown once")
    func createReturnsWorkingAdminKey() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"  Acme GmbH "}"#)
            #expect(response.status == .created)
            let body = try response.json()
            let tenant = try #require(body["tenant"] as? [String: Any])
            let key = try #require(body["api_key"] as? [String: Any])
            #expect(tenant["name"] as? String == "Acme GmbH")
            #expect(tenant["status"] as? String == "active")
            #expect(UUID(uuidString: tenant["id"] as? String ?? "") != nil)
            let createdAt = try #require(tenant["created_at"] as? String)
            #expect(createdAt.hasSuffix("Z") && createdAt.contains("."), "RFC 3339 UTC with milliseconds: \(createdAt)")
            #expect(key["scopes"] as? [String] == ["admin"])
            let secret = try #require(key["secret"] as? String)
            #expect(secret.hasPrefix("hk_"))

            let keys = try await app.request(.get, "/v1/api-keys", key: secret)
            #expect(keys.status == .ok)
            #expect(!keys.text.contains(secret), "the secret is never shown again")
            #expect(!keys.text.contains("secret"))
        }
    }

    @Test("the tenant list pages with a cursor and ends with next_cursor: null")
    func listPages() async throws {
        try await TestApp.run { app in
            for name in ["A", "B", "C"] { _ = try await app.createTenant(name) }
            let first = try await app.request(.get, "/v1/tenants?limit=2", key: TestApp.operatorKey).json()
            let firstNames = (first["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(firstNames == ["A", "B"])
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try await app.request(.get, "/v1/tenants?limit=2&cursor=\(cursor)", key: TestApp.operatorKey).json()
            #expect((second["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["C"])
            #expect(second.keys.contains("next_cursor"), "next_cursor is present on the last page")
            #expect(second["next_cursor"] is NSNull)
        }
    }

    @Test("a bad cursor or limit is a 422 naming the parameter")
    func listValidation() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/v1/tenants?limit=500&cursor=nonsense", key: TestApp.operatorKey)
            #expect(response.status == .unprocessableContent)
            let fields = (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["limit", "cursor"])
        }
    }

    @Test("get and rename a tenant; unknown ids are 404")
    func getAndRename() async throws {
        try await TestApp.run { app in
            let (id, _) = try await app.createTenant("Old")
            let renamed = try await app.request(.patch, "/v1/tenants/\(id)", key: TestApp.operatorKey, json: #"{"name":"New"}"#)
            #expect(renamed.status == .ok)
            #expect(try renamed.json()["name"] as? String == "New")
            let fetched = try await app.request(.get, "/v1/tenants/\(id)", key: TestApp.operatorKey)
            #expect(try fetched.json()["name"] as? String == "New")
            #expect(try await app.request(.get, "/v1/tenants/\(UUID())", key: TestApp.operatorKey).status == .notFound)
            #expect(try await app.request(.get, "/v1/tenants/not-a-uuid", key: TestApp.operatorKey).status == .unprocessableContent)
            #expect(try await app.request(.patch, "/v1/tenants/\(UUID())", key: TestApp.operatorKey, json: #"{"name":"X"}"#).status == .notFound)
        }
    }

    @Test("a suspended tenant's keys get 403 until it is reactivated")
    func suspension() async throws {
        try await TestApp.run { app in
            let (id, key) = try await app.createTenant()
            #expect(try await app.request(.get, "/v1/api-keys", key: key).status == .ok)
            let suspended = try await app.request(.patch, "/v1/tenants/\(id)", key: TestApp.operatorKey, json: #"{"status":"suspended"}"#)
            #expect(try suspended.json()["status"] as? String == "suspended")
            let refused = try await app.request(.get, "/v1/api-keys", key: key)
            #expect(refused.status == .forbidden)
            #expect(refused.headers[.contentType] == "application/problem+json")
            _ = try await app.request(.patch, "/v1/tenants/\(id)", key: TestApp.operatorKey, json: #"{"status":"active"}"#)
            #expect(try await app.request(.get, "/v1/api-keys", key: key).status == .ok)
        }
    }

    @Test("validation failures are 422 and change nothing")
    func createValidation() async throws {
        try await TestApp.run { app in
            for body in [#"{"name":"   "}"#, #"{}"#, #"{"name":42}"#, "{\"name\":\"\(String(repeating: "x", count: 201))\"}"] {
                let response = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect((try response.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "name")
            }
            let list = try await app.request(.get, "/v1/tenants", key: TestApp.operatorKey).json()
            #expect((list["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("tenant keys cannot manage tenants")
    func tenantKeyCannotManageTenants() async throws {
        try await TestApp.run { app in
            let (id, key) = try await app.createTenant()
            #expect(try await app.request(.get, "/v1/tenants", key: key).status == .forbidden)
            #expect(try await app.request(.get, "/v1/tenants/\(id)", key: key).status == .forbidden)
            #expect(try await app.request(.post, "/v1/tenants", key: key, json: #"{"name":"Evil"}"#).status == .forbidden)
        }
    }
}
