@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// The operator's `DELETE /v1/tenants/{id}`: a suspended tenant goes with
/// every row it owns, in every table, and no other tenant loses anything.
@Suite("Tenant deletion")
struct TenantDeletionTests {
    @Test("deleting a suspended tenant removes its rows from every table and leaves other tenants' data whole")
    func deletingASuspendedTenantRemovesAllOfItsDataOnly() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let doomed = try await SeedConfiguration.create(on: app, tenant: "Acme")
            let kept = try await SeedConfiguration.create(on: app, tenant: "Globex")
            for seed in [doomed, kept] {
                let replay: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "lead-1"]
                let lead = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: replay)
                let id = try #require(try lead.json()["id"] as? String)
                _ = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(country: "US"))
                #expect(try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call"}"#).status == .created)
                try await Self.addUsageAndAttempts(tenant: seed.tenantID, app: app)
            }
            let doomedID = try #require(UUID(uuidString: doomed.tenantID)), keptID = try #require(UUID(uuidString: kept.tenantID))
            let keptBefore = try await Self.rowCounts(of: keptID, app: app)
            let doomedBefore = try await Self.rowCounts(of: doomedID, app: app)
            // Every table with rows to lose has some, so "gone" below means something.
            for table in ["api_keys", "owners", "channels", "leads", "lead_responses", "timers", "events", "deliveries",
                          "delivery_attempts", "idempotency_keys", "usage_daily", "usage_rollups", "owner_load"] {
                #expect((doomedBefore[table] ?? 0) > 0, "no \(table) rows to delete")
            }

            // An active tenant is refused: suspend it first.
            let active = try await app.request(.delete, "/v1/tenants/\(doomed.tenantID)", key: TestApp.operatorKey)
            expectProblem(active, .conflict, slug: "conflict")
            #expect((try active.json()["detail"] as? String)?.contains("Suspend it first") == true, "\(active.text)")
            #expect(try await Self.rowCounts(of: doomedID, app: app) == doomedBefore)

            // Tenant keys cannot delete tenants, their own included.
            expectProblem(try await app.request(.delete, "/v1/tenants/\(doomed.tenantID)", key: doomed.key), .forbidden)

            #expect(try await app.request(.patch, "/v1/tenants/\(doomed.tenantID)", key: TestApp.operatorKey, json: #"{"status":"suspended"}"#).status == .ok)
            let deleted = try await app.request(.delete, "/v1/tenants/\(doomed.tenantID)", key: TestApp.operatorKey)
            #expect(deleted.status == .noContent, "\(deleted.text)")

            let doomedAfter = try await Self.rowCounts(of: doomedID, app: app)
            #expect(doomedAfter.values.allSatisfy { $0 == 0 }, "left behind: \(doomedAfter.filter { $0.value > 0 })")
            #expect(try await Self.rowCounts(of: keptID, app: app) == keptBefore)

            expectProblem(try await app.request(.get, "/v1/tenants/\(doomed.tenantID)", key: TestApp.operatorKey), .notFound)
            expectProblem(try await app.request(.delete, "/v1/tenants/\(doomed.tenantID)", key: TestApp.operatorKey), .notFound, slug: "not-found")
            expectProblem(try await app.request(.delete, "/v1/tenants/\(unknownID())", key: TestApp.operatorKey), .notFound, slug: "not-found")
            #expect(try await app.request(.get, "/v1/leads", key: doomed.key).status == .unauthorized)
            #expect(try await app.list("/v1/leads", key: kept.key).count == 2)
            let tenants = try await app.list("/v1/tenants", key: TestApp.operatorKey)
            #expect(tenants.compactMap { $0["id"] as? String } == [kept.tenantID])
        }
    }

    /// Rows the API makes only later: a usage rollup and a delivery attempt.
    static func addUsageAndAttempts(tenant: String, app: TestApp) async throws {
        let tenantID = UUID(uuidString: tenant)!
        try await app.database.system { connection in
            try await connection.query(
                """
                INSERT INTO usage_rollups (tenant_id, rolled_up_until) VALUES (\(tenantID), '2026-11-01T00:00:00Z')
                """, logger: TestDatabase.logger)
            try await connection.query(
                "INSERT INTO usage_daily (tenant_id, day, metric, value) VALUES (\(tenantID), '2026-10-31', 'leads_received', 3)",
                logger: TestDatabase.logger)
            try await connection.query(
                """
                INSERT INTO delivery_attempts (tenant_id, id, delivery_id, attempted_at, duration_ms, status_code)
                SELECT tenant_id, gen_random_uuid(), id, now(), 12, 200 FROM deliveries WHERE tenant_id = \(tenantID)
                """, logger: TestDatabase.logger)
        }
    }

    /// The tenant's row count in every table that has a `tenant_id` (read
    /// from the catalog, so a table added later is checked too), and in `tenants`.
    static func rowCounts(of tenant: UUID, app: TestApp) async throws -> [String: Int] {
        try await app.database.system { connection in
            var tables: [String] = []
            for try await name in try await connection.query(
                """
                SELECT c.relname::text FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE c.relkind IN ('r', 'p') ORDER BY 1
                """, logger: TestDatabase.logger).decode(String.self) {
                tables.append(name)
            }
            var counts: [String: Int] = [:]
            for table in tables {
                for try await count in try await connection.query(
                    "SELECT count(*)::int FROM \(unescaped: "\"\(table)\"") WHERE tenant_id = \(tenant)", logger: TestDatabase.logger
                ).decode(Int.self) {
                    counts[table] = count
                }
            }
            for try await count in try await connection.query("SELECT count(*)::int FROM tenants WHERE id = \(tenant)", logger: TestDatabase.logger).decode(Int.self) {
                counts["tenants"] = count
            }
            return counts
        }
    }
}
