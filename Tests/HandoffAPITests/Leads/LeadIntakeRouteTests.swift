@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffOpenAPI
import HTTPTypes
import HummingbirdTesting
import NIOCore
@_spi(Generated) import OpenAPIRuntime
import Testing
@testable import HandoffAPI

/// `POST /v1/leads` is served by a hand-written route (`LeadIntakeRoute`); it
/// must answer as the generated layer did for every other operation: the same
/// 201 byte for byte, the same header rules (`JSONNegotiationTests`), the same
/// problems.
@Suite("Lead intake route")
struct LeadIntakeRouteTests {
    static let converter = Converter(configuration: HandoffApplication.openAPIConfiguration)

    /// What the generated layer writes for this lead's 201.
    static func generatedJSON(_ lead: LeadSnapshot) async throws -> [UInt8] {
        var fields = HTTPFields()
        let body = try converter.setResponseBodyAsJSON(
            try Components.Schemas.Lead(lead), headerFields: &fields, contentType: "application/json; charset=utf-8"
        )
        return try await [UInt8](collecting: body, upTo: 1 << 20)
    }

    /// Whole numbers around every boundary of the API's integer rule, and
    /// UUID-shaped strings in both cases, as answers and attribute values and keys.
    static let numbers = LeadSnapshot(
        id: UUID(), funnelID: UUID(), email: "n@example.com", score: -0.0,
        answers: [
            "zero": 0, "negativeZero": -0.0, "e15": 1e15, "belowE16": 9_999_999_999_999_998, "e16": 1e16, "e17": -1e17,
            "twoTo53": 9_007_199_254_740_992, "twoTo53Plus2": 9_007_199_254_740_994, "half": 0.5, "big": 123_456_789_012,
            "tiny": 1e-7, "list": [1e15, -0.0, 2.5, "0F8FAD5B-D9CB-469F-A165-70867728950E"],
        ],
        attributes: ["0F8FAD5B-D9CB-469F-A165-70867728950F": ["Id": "0f8fad5b-d9cb-469f-a165-70867728950e"], "score": 1e15],
        status: .unqualified, ownerID: nil, sla: SLASnapshot(policyID: nil, state: .none), createdAt: LeadWireTests.at
    )

    @Test("the 201 is the generated layer's, byte for byte", arguments: [LeadWireTests.full, LeadWireTests.bare, numbers])
    func sameBytesAsTheGeneratedLayer(lead: LeadSnapshot) async throws {
        let handWritten = try lead.apiJSON()
        let generated = try await Self.generatedJSON(lead)
        #expect(String(decoding: handWritten, as: UTF8.self) == String(decoding: generated, as: UTF8.self))
    }

    @Test func theAnswerIsJSONAndReadsAsTheLeadDoesLater() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let body = #"""
                {"funnel_id":"\#(seed.funnel)","email":"max@example.de","score":86,"attributes":{"country":"DE"},
                 "answers":{"seats":9.1e15,"ratio":-0,"ref":"0F8FAD5B-D9CB-469F-A165-70867728950E","why":"say \"hi\" / 🇩🇪"}}
                """#
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: body)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.contentType] == "application/json; charset=utf-8")
            let lead = try created.json()
            let answers = try #require(lead["answers"] as? [String: Any])
            // Whole numbers as integers, as GET prints them back from Postgres.
            #expect(created.text.contains(#""seats":9100000000000000"#), "\(created.text)")
            #expect(created.text.contains(#""ratio":0,"#), "\(created.text)")
            #expect(answers["ref"] as? String == "0f8fad5b-d9cb-469f-a165-70867728950e")
            #expect(answers["why"] as? String == "say \"hi\" / 🇩🇪")

            let id = try #require(lead["id"] as? String)
            let detail = try await app.request(.get, "/v1/leads/\(id)", key: seed.key).json()
            for (key, value) in lead {
                #expect(detail[key].map { NSDictionary(dictionary: ["v": $0]) } == NSDictionary(dictionary: ["v": value]), "\(key)")
            }
        }
    }

    @Test func anAnswerTheClientCannotAcceptIsRefusedBeforeTheLeadIsStored() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            for accept in ["text/html", "application/xml, text/*", "application/json;q=abc"] {
                let refused = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: [.accept: accept])
                #expect(refused.status == .notAcceptable, "\(accept): \(refused.text)")
                #expect(refused.headers[.contentType] == "application/problem+json")
                #expect(try refused.json()["type"] as? String == "https://handoff.dev/problems/not-acceptable")
            }
            #expect(try await leadCount(app, key: seed.key) == 0)
            for accept in ["application/json", "text/html, application/*;q=0.8", "*/*"] {
                let created = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: [.accept: accept])
                #expect(created.status == .created, "\(accept): \(created.text)")
            }
            #expect(try await leadCount(app, key: seed.key) == 3)
        }
    }

    @Test func aBodyThatIsNotJSONIsRefusedAndStoresNothing() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let plain = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: [.contentType: "text/plain"])
            #expect(plain.status == .unsupportedMediaType)
            #expect(try plain.json()["detail"] as? String == "Send the body as JSON with Content-Type: application/json.")

            let cases: [(body: String, status: HTTPResponse.Status, detail: String)] = [
                ("", .badRequest, "Send a JSON object as the body."),
                ("[]", .badRequest, "Send a JSON object as the body."),
                ("\"lead\"", .badRequest, "Send a JSON object as the body."),
                ("{\"email\":", .badRequest, "The body is not valid JSON."),
            ]
            for (body, status, detail) in cases {
                let refused = try await app.request(.post, "/v1/leads", key: seed.key, json: body)
                #expect(refused.status == status, "\(body): \(refused.text)")
                #expect(try refused.json()["detail"] as? String == detail, "\(body)")
            }

            let wrong = try await app.request(.post, "/v1/leads", key: seed.key, json: #"{"funnel_id":"\#(seed.funnel)","email":"a@b.co","score":"high"}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(try fieldErrors(wrong) == ["score: must be a number"])
            // Every missing field at once, not the first the decoder met.
            let empty = try await app.request(.post, "/v1/leads", key: seed.key, json: "{}")
            #expect(empty.status == .unprocessableContent)
            #expect(try fieldErrors(empty) == ["funnel_id: is required", "email: is required", "score: is required"])
            #expect(try await leadCount(app, key: seed.key) == 0)
        }
    }

    @Test func withoutAContentTypeTheBodyIsReadAsJSON() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let created = try await app.client.execute(
                uri: "/v1/leads", method: .post, headers: [.authorization: "Bearer \(seed.key)"], body: ByteBuffer(string: seed.lead())
            )
            #expect(created.status == .created, "\(created.text)")
            #expect(try await leadCount(app, key: seed.key) == 1)
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyReplaysTheFirstLead() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "quiz-submit-1"]
            let first = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            let retry = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(retry.headers[.contentType] == "application/json; charset=utf-8")
            #expect(retry.text == first.text)
            #expect(try await leadCount(app, key: seed.key) == 1)
        }
    }

    private func leadCount(_ app: TestApp, key: String) async throws -> Int {
        (try await app.request(.get, "/v1/leads", key: key).json()["data"] as? [Any])?.count ?? -1
    }

    private func fieldErrors(_ response: TestResponse) throws -> [String] {
        ((try response.json()["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] ?? ""): \($0["message"] ?? "")" }
    }
}
