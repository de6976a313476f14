import Foundation
import Hummingbird
import HummingbirdTesting
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
}
