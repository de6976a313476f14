@testable import HandoffTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Idempotency-Key")
struct IdempotencyTests {
    @Test("the same key and body replay the first response; nothing is created twice")
    func replay() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let body = #"{"name":"quiz","scopes":["ingest"]}"#
            let first = try await app.request(.post, "/v1/api-keys", key: admin, json: body, headers: [.init("Idempotency-Key")!: "k-1"])
            let second = try await app.request(.post, "/v1/api-keys", key: admin, json: body, headers: [.init("Idempotency-Key")!: "k-1"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(second.text == first.text, "the replay is the first response, secret included")
            #expect(second.headers[.init("Idempotent-Replayed")!] == "true")
            let list = try await app.request(.get, "/v1/api-keys", key: admin).json()
            #expect((list["data"] as? [Any])?.count == 2, "the admin key and one new key")
        }
    }

    @Test("the same key with another body is a 409 and creates nothing")
    func mismatch() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let headers: HTTPFields = [.init("Idempotency-Key")!: "k-2"]
            _ = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"a","scopes":["read"]}"#, headers: headers)
            let other = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"b","scopes":["read"]}"#, headers: headers)
            #expect(other.status == .conflict)
            #expect(other.headers[.contentType] == "application/problem+json")
            let list = try await app.request(.get, "/v1/api-keys", key: admin).json()
            #expect((list["data"] as? [Any])?.count == 2)
        }
    }

    @Test("keys are per tenant: another tenant's identical key is its own")
    func perTenant() async throws {
        try await TestApp.run { app in
            let (_, adminA) = try await app.createTenant("A")
            let (_, adminB) = try await app.createTenant("B")
            let headers: HTTPFields = [.init("Idempotency-Key")!: "shared"]
            let body = #"{"name":"k","scopes":["read"]}"#
            let a = try await app.request(.post, "/v1/api-keys", key: adminA, json: body, headers: headers)
            let b = try await app.request(.post, "/v1/api-keys", key: adminB, json: body, headers: headers)
            #expect(a.status == .created && b.status == .created)
            #expect(try a.json()["id"] as? String != (try b.json()["id"] as? String))
            #expect(b.headers[.init("Idempotent-Replayed")!] == nil)
        }
    }

    @Test("operator tenant creation is idempotent too, and a 422 is replayed as a 422")
    func operatorAndRefusals() async throws {
        try await TestApp.run { app in
            let headers: HTTPFields = [.init("Idempotency-Key")!: "t-1"]
            let first = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"Acme"}"#, headers: headers)
            let again = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"Acme"}"#, headers: headers)
            #expect(again.text == first.text)
            let list = try await app.request(.get, "/v1/tenants", key: TestApp.operatorKey).json()
            #expect((list["data"] as? [Any])?.count == 1)
            let badHeaders: HTTPFields = [.init("Idempotency-Key")!: "t-2"]
            let bad = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":" "}"#, headers: badHeaders)
            let badAgain = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":" "}"#, headers: badHeaders)
            #expect(bad.status == .unprocessableContent)
            #expect(badAgain.status == .unprocessableContent)
            #expect(badAgain.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("concurrent retries with one key create one resource")
    func concurrentRetries() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"c","scopes":["read"]}"#,
                                              headers: [.init("Idempotency-Key")!: "race"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict })
            let list = try await app.request(.get, "/v1/api-keys", key: admin).json()
            #expect((list["data"] as? [Any])?.count == 2)
        }
    }

    /// Rows of idempotency_keys that hold `secret` anywhere, as text or as its
    /// base64, read past RLS on a superuser connection.
    static func rowsHolding(_ secret: String, _ app: TestApp) async throws -> Int {
        let base64 = Data(secret.utf8).base64EncodedString()
        let rows = try await app.database.client.query(
            """
            SELECT count(*) FROM idempotency_keys k
            WHERE position(convert_to(\(secret), 'UTF8') IN coalesce(k.response_body, ''::bytea)) > 0
               OR position(convert_to(\(base64), 'UTF8') IN coalesce(k.response_body, ''::bytea)) > 0
               OR position(\(secret) IN k::text) > 0 OR position(\(base64) IN k::text) > 0
               OR position(\(secret) IN encode(coalesce(k.response_body, ''::bytea), 'base64')) > 0
            """,
            logger: TestDatabase.logger
        ).collect()
        return try rows.first?.decode(Int.self) ?? -1
    }

    @Test("a retried key creation gets its secret back, yet no stored row holds the secret")
    func retriedSecretIsNeverStoredInTheClear() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let headers: HTTPFields = [.init("Idempotency-Key")!: "k-secret"]
            let body = #"{"name":"quiz","scopes":["ingest"]}"#
            let first = try await app.request(.post, "/v1/api-keys", key: admin, json: body, headers: headers)
            #expect(first.status == .created)
            let secret = try #require(try first.json()["secret"] as? String)
            #expect(try await Self.rowsHolding(secret, app) == 0, "a database reader sees the new key's secret")
            let stored = try await app.database.client.query("SELECT count(*) FROM idempotency_keys WHERE response_status = 201", logger: TestDatabase.logger).collect()
            #expect(try stored.first?.decode(Int.self) == 1, "the response is still kept for replays")

            let again = try await app.request(.post, "/v1/api-keys", key: admin, json: body, headers: headers)
            #expect(again.status == .created)
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try again.json()["secret"] as? String == secret, "the retry gets the same secret back")
        }
    }

    @Test("the operator's retried tenant creation gets the admin key back; no row holds it")
    func operatorReplayIsSealedToo() async throws {
        try await TestApp.run { app in
            let headers: HTTPFields = [.init("Idempotency-Key")!: "t-secret"]
            let first = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"Acme"}"#, headers: headers)
            let secret = try #require((try first.json()["api_key"] as? [String: Any])?["secret"] as? String)
            #expect(try await Self.rowsHolding(secret, app) == 0)
            let again = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"Acme"}"#, headers: headers)
            #expect(again.text == first.text)
        }
    }

    @Test("another key of the same tenant sending the same Idempotency-Key cannot read the first key's response")
    func anotherKeyCannotReplayTheSecret() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let (_, otherAdmin) = try await app.createKey(adminKey: admin, scopes: ["admin"], name: "other admin")
            let headers: HTTPFields = [.init("Idempotency-Key")!: "k-shared"]
            let body = #"{"name":"quiz","scopes":["ingest"]}"#
            let first = try await app.request(.post, "/v1/api-keys", key: admin, json: body, headers: headers)
            let secret = try #require(try first.json()["secret"] as? String)

            let other = try await app.request(.post, "/v1/api-keys", key: otherAdmin, json: body, headers: headers)
            #expect(!other.text.contains(secret), "another key read the secret: \(other.text)")
            #expect(other.status == .conflict)
            #expect(other.headers[.contentType] == "application/problem+json")
            let list = try await app.request(.get, "/v1/api-keys", key: admin).json()
            #expect((list["data"] as? [Any])?.count == 3, "two admin keys and one new key: nothing created twice")
        }
    }
}
