@testable import HandoffTestSupport
import Foundation
import Testing

/// A CRM or support desk finds one person's leads by its own submission id or
/// by their e-mail address.
@Suite struct LeadLookupTests {
    @Test func leadsAreFoundByExternalIDExactlyAndByEmailInAnyCase() async throws {
        try await TestApp.run(clock: { .wednesdayMorning }) { app in
            let seed = try await SeedConfiguration.create(on: app)
            func submit(_ externalID: String, _ email: String) async throws -> String {
                let body = #"{"funnel_id":"\#(seed.funnel)","external_id":"\#(externalID)","email":"\#(email)","score":90,"answers":{},"attributes":{"country":"DE"}}"#
                let created = try await app.request(.post, "/v1/leads", key: seed.key, json: body)
                #expect(created.status == .created, "\(created.text)")
                return try created.json()["id"] as? String ?? ""
            }
            let first = try await submit("quiz-1", "Max.Mustermann@Example.de")
            let second = try await submit("quiz-2", "max.mustermann@example.de")
            let other = try await submit("quiz-10", "erika@example.de")

            #expect(try await app.listIDs("/v1/leads?external_id=quiz-1", key: seed.key) == [first])
            #expect(try await app.listIDs("/v1/leads?external_id=QUIZ-1", key: seed.key) == [], "external ids are the client's, matched exactly")
            #expect(try await app.listIDs("/v1/leads?email=MAX.MUSTERMANN%40example.DE", key: seed.key) == [second, first])
            #expect(try await app.listIDs("/v1/leads?email=erika%40example.de&external_id=quiz-10", key: seed.key) == [other])
            #expect(try await app.listIDs("/v1/leads?email=erika%40example.de&external_id=quiz-1", key: seed.key) == [])

            // Another tenant finds nothing by the same keys.
            let (_, otherKey) = try await app.createTenant("Globex")
            #expect(try await app.listIDs("/v1/leads?external_id=quiz-1", key: otherKey) == [])
            #expect(try await app.listIDs("/v1/leads?email=erika%40example.de", key: otherKey) == [])
        }
    }
}
