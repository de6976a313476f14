@testable import HandoffTestSupport
import Foundation
@testable import HandoffAPI
import HandoffOpenAPI
import HTTPTypes
import PostgresNIO
import Testing

/// Every operation of the OpenAPI document, called with tenant B's admin key
/// on tenant A's ids, answers 404 and leaks nothing; every list B reads holds
/// none of A's ids. The operations come from the served document, so a new
/// endpoint is covered — or fails here until someone says which id it takes.
@Suite struct EveryEndpointIsolationTests {
    /// Bodies that are valid in B's tenant, so that a 404 can only be about A's id.
    static func body(for method: String, template: String, b: SeedConfiguration) -> String? {
        switch (method, template) {
        case ("POST", "/v1/leads/{id}/responses"): #"{"channel":"call"}"#
        case ("POST", "/v1/leads/{id}/assignment"): #"{"owner_id":"\#(b.ana)"}"#
        case ("PATCH", _): #"{"name":"renamed"}"#
        default: nil
        }
    }

    @Test func tenantBNeverReachesTenantAsObjects() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let a = try await SeedConfiguration.create(on: app, tenant: "A")
            let b = try await SeedConfiguration.create(on: app, tenant: "B")
            let lead = try await app.request(.post, "/v1/leads", key: a.key, json: a.lead()).json()["id"] as? String ?? ""
            let (apiKey, _) = try await app.createKey(adminKey: a.key, scopes: ["read"], name: "a-secret-reader")
            let delivery = try await app.database.system { connection in
                try await connection.query("SELECT id::text FROM deliveries WHERE tenant_id = \(UUID(uuidString: a.tenantID)!) LIMIT 1",
                                           logger: TestDatabase.logger).collect().first?.decode(String.self)
            }
            // The id of A's object each path names, by the path's first segments.
            let idsOfA: [String: String] = [
                "/v1/api-keys": apiKey, "/v1/owners": a.ana, "/v1/teams": a.sdrTeam, "/v1/calendars": a.calendar,
                "/v1/sla-policies": a.policy, "/v1/funnels": a.funnel, "/v1/routing-rules": a.territoryRule,
                "/v1/channels": a.webhook, "/v1/leads": lead, "/v1/deliveries": delivery ?? "",
            ]
            let everyIDOfA = Set(idsOfA.values).union([a.ana, a.bob, a.carla, a.managers, a.slack, a.email, a.tenantID])

            let routes = try RouteTable(openAPIYAML: String(decoding: try OpenAPIDocument.yaml(), as: UTF8.self)).routes
            var checked = 0
            for route in routes where route.template.hasPrefix("/v1/") && !route.template.hasPrefix("/v1/tenants") {
                for method in route.methods.map({ $0.uppercased() }) {
                    if route.template.contains("{id}") {
                        let base = "/" + route.template.split(separator: "/").prefix(2).joined(separator: "/")
                        let id = try #require(idsOfA[base], "no id of tenant A's for \(route.template): add one to this test")
                        let path = route.template.replacingOccurrences(of: "{id}", with: id)
                        let response = try await app.request(
                            HTTPRequest.Method(method)!, path, key: b.key,
                            json: Self.body(for: method, template: route.template, b: b)
                        )
                        #expect(response.status == .notFound, "\(method) \(route.template) answered \(response.status)")
                        #expect(!everyIDOfA.contains { response.text.contains($0) }, "\(method) \(route.template) mentions A's ids")
                        checked += 1
                    } else if method == "GET" {
                        let query = route.template.hasSuffix("response-times")
                            ? "?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&group_by=owner"
                            : route.template.hasSuffix("usage") ? "?period=2026-11" : ""
                        let response = try await app.request(.get, route.template + query, key: b.key)
                        #expect(response.status == .ok, "GET \(route.template) answered \(response.status)")
                        #expect(!everyIDOfA.contains { response.text.contains($0) }, "GET \(route.template) shows A's ids")
                        checked += 1
                    }
                }
            }
            #expect(checked >= 30)
            // And A still has all of it.
            #expect(try await app.request(.get, "/v1/leads/\(lead)", key: a.key).status == .ok)
            #expect(try await app.request(.get, "/v1/owners/\(a.ana)", key: a.key).json()["name"] as? String == "Ana Schmidt")
        }
    }
}
