@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

@Suite struct UsageTests {
    @Test func leadsAreCountedOnceThoughTheirRequestWasReplayed() async throws {
        try await TestApp.run(clock: TestClock(.wednesdayMorning).function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "submission-1"]
            for _ in 0..<3 {
                #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: key).status == .created)
            }
            #expect(try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(score: 10)).status == .created)
            let usage = try await app.request(.get, "/v1/usage?from=2026-11-25&to=2026-11-25", key: seed.key).json()
            let rows = try #require(usage["data"] as? [[String: Any]])
            func value(_ metric: String) -> Int? { rows.first { $0["metric"] as? String == metric }?["value"] as? Int }
            #expect(value("leads_received") == 2)
            #expect(value("leads_qualified") == 1)
            #expect(value("active_owners") == 1)
        }
    }

    @Test func theOperatorsMonthlyExportCountsDeliveredNotificationsOnceAndRespectsMonthBoundaries() async throws {
        // The tenants are created on the injected clock, before the period: the
        // export leaves out tenants that did not exist yet, whatever today is.
        try await TestApp.run(clock: { ReportFixtures.date("2026-10-20T12:00:00Z") }) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let other = try await SeedConfiguration.create(on: app, tenant: "Beta, Ltd")
            for instant in ["2026-10-31T23:59:59Z", "2026-11-01T00:00:00Z", "2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00Z"] {
                try await ReportFixtures.insertLead(on: app, tenant: seed.tenantID, funnel: seed.funnel, owner: seed.ana, policy: seed.policy,
                                                    createdAt: ReportFixtures.date(instant), responseSeconds: 10)
            }
            // One delivery delivered after three attempts, one still failing: billing counts one.
            try await app.database.system { connection in
                let leadID = UUID.v7(), eventID = UUID.v7()
                let tenant = UUID(uuidString: seed.tenantID)!, funnel = UUID(uuidString: seed.funnel)!
                try await connection.query(
                    "INSERT INTO leads (tenant_id, id, funnel_id, email, score, status, created_at) VALUES (\(tenant), \(leadID), \(funnel), 'x@example.com', 1, 'unqualified', '2026-10-15T00:00:00Z')",
                    logger: TestDatabase.logger)
                try await connection.query(
                    "INSERT INTO events (tenant_id, id, type, lead_id, payload) VALUES (\(tenant), \(eventID), 'lead.assigned', \(leadID), '{}')",
                    logger: TestDatabase.logger)
                for (channel, status) in [(seed.webhook, "delivered"), (seed.slack, "pending")] {
                    try await connection.query(
                        """
                        INSERT INTO deliveries (tenant_id, id, event_id, channel_id, status, attempts, delivered_at)
                        VALUES (\(tenant), \(UUID.v7()), \(eventID), \(UUID(uuidString: channel)!), \(status), 3,
                                \(status == "delivered" ? ReportFixtures.date("2026-11-02T10:00:00Z") : nil))
                        """, logger: TestDatabase.logger)
                }
            }
            let response = try await app.request(.get, "/v1/usage?period=2026-11", key: TestApp.operatorKey)
            #expect(response.status == .ok, "\(response.text)")
            let rows = try #require(try response.json()["data"] as? [[String: Any]])
            func value(_ tenant: String, _ metric: String, _ dimension: String = "") -> Int? {
                rows.first { $0["tenant_id"] as? String == tenant && $0["metric"] as? String == metric && $0["dimension"] as? String == dimension }?["value"] as? Int
            }
            #expect(value(seed.tenantID, "leads_received") == 2)
            #expect(value(seed.tenantID, "notifications_delivered", "webhook") == 1)
            #expect(value(seed.tenantID, "notifications_delivered", "slack") == 0)
            #expect(value(other.tenantID, "leads_received") == 0)
            #expect(rows.count == 12)  // two tenants × six metric rows

            // The same as CSV, read back by a standard parser (Python's csv module).
            let csv = try await app.request(.get, "/v1/usage?period=2026-11", key: TestApp.operatorKey, headers: [.accept: "text/csv"])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let parsed = try parseCSV(csv.text)
            #expect(parsed.first == ["tenant_id", "tenant_name", "period", "metric", "dimension", "value"])
            #expect(parsed.count == 13)
            #expect(parsed.contains { $0[1] == "Beta, Ltd" && $0[3] == "leads_received" && $0[5] == "0" })
            // A tenant key cannot read every tenant.
            #expect(try await app.request(.get, "/v1/usage?period=2026-11", key: seed.key).json()["data"] as? [[String: Any]] != nil)
            let ownOnly = try await app.request(.get, "/v1/usage?period=2026-11", key: seed.key).json()["data"] as? [[String: Any]] ?? []
            #expect(ownOnly.allSatisfy { $0["tenant_id"] as? String == seed.tenantID })
        }
    }

    @Test func badPeriodsAndRangesAreFieldErrors() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            #expect(try await app.request(.get, "/v1/usage?period=2026-13", key: TestApp.operatorKey).status == .unprocessableContent)
            #expect(try await app.request(.get, "/v1/usage", key: TestApp.operatorKey).status == .unprocessableContent)
            #expect(try await app.request(.get, "/v1/usage?from=2026-11-30&to=2026-11-01", key: seed.key).status == .unprocessableContent)
            // A parameter given is never ignored (scripts/fuzz found an empty period passed over beside from/to).
            for (path, key, field) in [
                ("/v1/usage?period=&from=2026-11-01&to=2026-11-02", seed.key, "period"),
                ("/v1/usage?period=2026-11&from=2026-11-01&to=2026-11-02", seed.key, "period"),
                ("/v1/usage?period=2026-11&from=2026-11-01", TestApp.operatorKey, "from"),
            ] {
                let response = try await app.request(.get, path, key: key)
                #expect(response.status == .unprocessableContent, "\(path): \(response.text)")
                #expect(((try response.json()["errors"] as? [[String: Any]]) ?? []).contains { $0["field"] as? String == field }, "\(path)")
            }
        }
    }

    private func parseCSV(_ text: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["HANDOFF_TEST_PYTHON"] ?? "/usr/bin/python3")
        process.arguments = ["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin, strict=True))))"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode([[String]].self, from: data)
    }
}
