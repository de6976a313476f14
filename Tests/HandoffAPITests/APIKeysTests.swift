@testable import HandoffTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("API keys and scopes")
struct APIKeysTests {
    @Test("a created key works at once; a revoked key gets 401")
    func createAndRevoke() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let (id, secret) = try await app.createKey(adminKey: admin, scopes: ["read"])
            #expect(try await app.request(.get, "/v1/api-keys", key: secret).status == .ok)
            let revoked = try await app.request(.delete, "/v1/api-keys/\(id)", key: admin)
            #expect(revoked.status == .ok)
            #expect(try revoked.json()["revoked_at"] is String)
            let refused = try await app.request(.get, "/v1/api-keys", key: secret)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test("listed keys carry revoked_at, null while active, and never a secret")
    func listShape() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            _ = try await app.createKey(adminKey: admin, scopes: ["ingest", "read"], name: "quiz")
            let list = try await app.request(.get, "/v1/api-keys", key: admin).json()
            let keys = try #require(list["data"] as? [[String: Any]])
            #expect(keys.count == 2)
            #expect(keys.allSatisfy { $0["revoked_at"] is NSNull })
            #expect(keys.allSatisfy { $0["secret"] == nil })
            #expect(keys.last?["scopes"] as? [String] == ["ingest", "read"])
        }
    }

    @Test("scopes: read is GET only, ingest is intake only, admin is everything")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let (_, read) = try await app.createKey(adminKey: admin, scopes: ["read"])
            let (_, ingest) = try await app.createKey(adminKey: admin, scopes: ["ingest"])
            let body = #"{"name":"x","scopes":["read"]}"#
            #expect(try await app.request(.get, "/v1/api-keys", key: read).status == .ok)
            #expect(try await app.request(.post, "/v1/api-keys", key: read, json: body).status == .forbidden)
            #expect(try await app.request(.get, "/v1/api-keys", key: ingest).status == .forbidden)
            #expect(try await app.request(.post, "/v1/api-keys", key: ingest, json: body).status == .forbidden)
            #expect(try await app.request(.post, "/v1/api-keys", key: admin, json: body).status == .created)
            #expect(try await app.request(.get, "/v1/api-keys", key: TestApp.operatorKey).status == .forbidden)
        }
    }

    @Test("unknown scopes and missing fields are reported together")
    func validation() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":" ","scopes":[]}"#)
            #expect(response.status == .unprocessableContent)
            let fields = (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["name", "scopes"])
            let unknown = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"k","scopes":["root"]}"#)
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test("no key, a malformed header, an unknown key and a forged secret are 401")
    func authFailures() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            #expect(try await app.request(.get, "/v1/api-keys").status == .unauthorized)
            #expect(try await app.request(.get, "/v1/api-keys", headers: [.authorization: admin]).status == .unauthorized)
            #expect(try await app.request(.get, "/v1/api-keys", key: "hk_nope").status == .unauthorized)
            // The right prefix with the wrong secret: the hash comparison refuses it.
            let forged = String(admin.dropLast(4)) + "AAAA"
            #expect(try await app.request(.get, "/v1/api-keys", key: forged).status == .unauthorized)
            #expect(try await app.request(.get, "/v1/tenants", key: "op_wrong").status == .unauthorized)
        }
    }
}
