@testable import HandoffTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Errors are problem+json")
struct ProblemTests {
    static func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let body = try response.json()
        #expect(body["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((body["type"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((body["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        for leak in ["Swift.", "Components.", "Operations.", "DecodingError", "PSQLError", "HandoffAPI", ".swift"] {
            #expect(!response.text.contains(leak), "leaks \(leak): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    @Test("unknown route 404, wrong method 405 with Allow, no key 401")
    func routing() async throws {
        try await TestApp.run { app in
            try Self.expectProblem(try await app.request(.get, "/nope"), .notFound)
            try Self.expectProblem(try await app.request(.get, "/v1/nope", key: TestApp.operatorKey), .notFound)
            let wrongMethod = try await app.request(.put, "/v1/tenants", key: TestApp.operatorKey, json: "{}")
            try Self.expectProblem(wrongMethod, .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, POST")
            try Self.expectProblem(try await app.request(.get, "/v1/tenants"), .unauthorized)
        }
    }

    @Test("malformed JSON is 400; a missing or mistyped field is 422 naming it")
    func bodies() async throws {
        try await TestApp.run { app in
            try Self.expectProblem(try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"#), .badRequest)
            let missing = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"nom":"x"}"#)
            try Self.expectProblem(missing, .unprocessableContent)
            #expect((try missing.json()["errors"] as? [[String: String]]) == [["field": "name", "message": "is required"]])
            let (_, admin) = try await app.createTenant()
            let mistyped = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"k","scopes":"read"}"#)
            try Self.expectProblem(mistyped, .unprocessableContent)
            #expect((try mistyped.json()["errors"] as? [[String: String]])?.first?["field"] == "scopes")
            let badEnum = try await app.request(.post, "/v1/api-keys", key: admin, json: #"{"name":"k","scopes":["read","root"]}"#)
            try Self.expectProblem(badEnum, .unprocessableContent)
            try Self.expectProblem(try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"x"}"#, headers: [.contentType: "text/plain"]), .unsupportedMediaType)
        }
    }

    @Test("a body over the limit is 413 and nothing is stored")
    func bodyLimit() async throws {
        try await TestApp.run { app in
            let huge = "{\"name\":\"\(String(repeating: "x", count: 300 * 1024))\"}"
            try Self.expectProblem(try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: huge), .contentTooLarge)
            let list = try await app.request(.get, "/v1/tenants", key: TestApp.operatorKey).json()
            #expect((list["data"] as? [Any])?.isEmpty == true)
        }
    }
}

/// OpenAPIRuntime traps on a Content-Type that names a parameter twice in
/// different cases; without the guard this test ends the whole test process.
@Suite struct RepeatedContentTypeParameterTests {
    @Test("a Content-Type naming a parameter twice is 400, stores nothing, and the server keeps serving")
    func refusedAndServing() async throws {
        try await TestApp.run { app in
            for contentType in ["application/json; charset=utf-8; Charset=utf-8", "application/json;q=1;Q=1"] {
                let refused = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"x"}"#,
                                                    headers: [.contentType: contentType])
                try ProblemTests.expectProblem(refused, .badRequest)
                #expect(try refused.json()["detail"] as? String != nil)
            }
            let list = try await app.request(.get, "/v1/tenants", key: TestApp.operatorKey)
            #expect(list.status == .ok)
            #expect((try list.json()["data"] as? [Any])?.isEmpty == true)
            // The same parameter twice in one case is the runtime's own business: it keeps the first.
            let same = try await app.request(.post, "/v1/tenants", key: TestApp.operatorKey, json: #"{"name":"x"}"#,
                                             headers: [.contentType: "application/json; charset=utf-8; charset=utf-8"])
            #expect(same.status == .created)
        }
    }
}

@Suite struct NULCharacterTests {
    @Test func aNULAnywhereInABodyIsA422AndNothingIsStored() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let escaped = try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana\u0000","email":"ana@example.com"}"#)
            #expect(escaped.status == .unprocessableContent)
            #expect(((try escaped.json()["errors"] as? [[String: Any]])?.first?["field"] as? String) == "body")
            // An escaped backslash before u0000 is the text \u0000, which is fine.
            let literal = try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana \\u0000","email":"ana@example.com"}"#)
            #expect(literal.status == .created, "\(literal.text)")
            let owners = try await app.request(.get, "/v1/owners", key: key).json()["data"] as? [[String: Any]] ?? []
            #expect(owners.map { $0["name"] as? String } == ["Ana \\u0000"])
        }
    }
}
