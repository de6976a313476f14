@testable import HandoffTestSupport
import Foundation
import HandoffStore
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Health, readiness, metrics, the OpenAPI document")
struct SystemTests {
    @Test("healthz and readyz answer without a key on a current schema")
    func healthAndReadiness() async throws {
        try await TestApp.run { app in
            #expect(try await app.request(.get, "/healthz").status == .ok)
            let ready = try await app.request(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(try ready.json()["status"] as? String == "ok")
        }
    }

    @Test("readyz is 503 problem+json when the schema is behind the build")
    func readinessWithOldSchema() async throws {
        try await TestApp.run { app in
            try await app.database.client.query("DELETE FROM schema_migrations WHERE version = 1", logger: TestDatabase.logger)
            let response = try await app.request(.get, "/readyz")
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.text.contains("handoff migrate"))
        }
    }

    @Test("the OpenAPI document is served and names every operation")
    func openAPIDocument() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(response.text.hasPrefix("openapi: \"3.1.0\""))
            for operation in ["createTenant", "listTenants", "getTenant", "updateTenant", "createAPIKey", "listAPIKeys", "revokeAPIKey"] {
                #expect(response.text.contains("operationId: \(operation)"))
            }
        }
    }

    @Test("metrics are Prometheus text")
    func metrics() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }
}

extension SystemTests {
    @Test("readyz answers from a short-lived cache: a burst of probes costs one check")
    func readinessIsCached() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            #expect(try await app.request(.get, "/readyz").status == .ok)
            try await app.database.client.query("DELETE FROM schema_migrations WHERE version = 1", logger: TestDatabase.logger)
            #expect(try await app.request(.get, "/readyz").status == .ok, "a second probe within the cache's life checked again")
            clock.advance(by: 10)
            let stale = try await app.request(.get, "/readyz")
            #expect(stale.status == .serviceUnavailable, "after the cache's life the check runs again")
            #expect(stale.headers[.contentType] == "application/problem+json")
        }
    }
}
