@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Testing

/// A write that the client cannot accept the answer of is refused before it
/// changes anything: a 406 after the commit would make a retrying client
/// create twice.
@Suite struct AcceptBeforeWritesTests {
    static let html: HTTPFields = [.accept: "text/html"]

    @Test func aCreateAnUpdateAndALeadsResponseChangeNothingWhenTheAnswerCannotBeAccepted() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let owners = try await Self.ownerNames(app, key: seed.key)

            let create = try await app.request(.post, "/v1/owners", key: seed.key,
                                               json: #"{"name":"Dora","email":"dora@example.com","timezone":"Europe/Berlin"}"#, headers: Self.html)
            try ProblemTests.expectProblem(create, .notAcceptable)
            let update = try await app.request(.patch, "/v1/owners/\(seed.ana)", key: seed.key, json: #"{"name":"Ana B."}"#, headers: Self.html)
            try ProblemTests.expectProblem(update, .notAcceptable)
            #expect(try await Self.ownerNames(app, key: seed.key) == owners)

            let lead = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead()).json()
            let id = try #require(lead["id"] as? String)
            let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call"}"#, headers: Self.html)
            try ProblemTests.expectProblem(response, .notAcceptable)
            let detail = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            #expect((detail["sla"] as? [String: Any])?["state"] as? String == "running")
            #expect(detail["status"] as? String == "assigned")

            // The same writes with an Accept that admits JSON go through.
            let accepted = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call"}"#,
                                                 headers: [.accept: "text/html, application/json;q=0.9"])
            #expect(accepted.status == .created, "\(accepted.text)")
        }
    }

    @Test func aReadTheClientCannotAcceptIs406NotA415() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            for accept in ["text/html", "application/xml;q=abc"] {
                let read = try await app.request(.get, "/v1/owners", key: admin, headers: [.accept: accept])
                try ProblemTests.expectProblem(read, .notAcceptable)
            }
            #expect(try await app.request(.get, "/v1/owners", key: admin, headers: [.accept: "application/*"]).status == .ok)
        }
    }

    private static func ownerNames(_ app: TestApp, key: String) async throws -> [String] {
        let list = try await app.request(.get, "/v1/owners", key: key).json()
        return ((list["data"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }.sorted()
    }
}
