@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import Testing

/// The retention worker: old records go in small batches, and billing for
/// closed days stays exactly what it was.
@Suite("Retention worker")
struct RetentionWorkerTests {
    static let start = Date.wednesdayMorning  // 2026-11-25T09:00:00Z

    @Test("records past retention, settled timers and expired replays are pruned, and closed days' usage stays exact")
    func pruningKeepsClosedPeriodsUsageExact() async throws {
        let clock = TestClock(Self.start)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let tenant = try #require(UUID(uuidString: seed.tenantID))
            let first = try await Self.lead(seed.lead(), app: app, seed: seed)
            let second = try await Self.lead(seed.lead(country: "US"), app: app, seed: seed)
            _ = try await Self.lead(seed.lead(score: 10), app: app, seed: seed)
            clock.advance(by: 60)
            #expect(try await app.request(.post, "/v1/leads/\(first)/responses", key: seed.key, json: #"{"channel":"call"}"#).status == .created)
            // What a dispatcher and the timer engine would have done: webhooks
            // delivered, Slack failed, each with its attempt; one warning fired.
            let sent = Self.start.addingTimeInterval(120)
            try await app.database.system { connection in
                try await connection.query(
                    """
                    UPDATE deliveries SET status = CASE WHEN channel_id = \(UUID(uuidString: seed.webhook)!) THEN 'delivered' ELSE 'failed' END,
                        delivered_at = CASE WHEN channel_id = \(UUID(uuidString: seed.webhook)!) THEN \(sent)::timestamptz END, attempts = 1
                    WHERE tenant_id = \(tenant)
                    """, logger: TestDatabase.logger)
                try await connection.query(
                    """
                    INSERT INTO delivery_attempts (tenant_id, id, delivery_id, attempted_at, duration_ms, status_code)
                    SELECT tenant_id, \(UUID.v7(at: sent)), id, \(sent), 10, 200 FROM deliveries WHERE tenant_id = \(tenant) LIMIT 1
                    """, logger: TestDatabase.logger)
                try await connection.query(
                    """
                    UPDATE timers SET fired_at = \(Self.start.addingTimeInterval(240))
                    WHERE tenant_id = \(tenant) AND lead_id = \(UUID(uuidString: second)!) AND kind = 'warning'
                    """, logger: TestDatabase.logger)
            }
            // An old event whose delivery is still pending is kept with it.
            let (pendingEvent, pendingDelivery) = try await Self.pendingDelivery(tenant: tenant, channel: seed.slack, at: Self.start, app: app)
            let dayBefore = try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-25")
            let monthBefore = try await Self.operatorUsage(app, period: "2026-11", tenant: seed.tenantID)
            #expect(dayBefore["notifications_delivered/webhook"] == 3, "\(dayBefore)")
            #expect(dayBefore["leads_received"] == 3)
            let pendingTimers = try await Self.count("SELECT count(*)::int FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL", app)
            #expect(pendingTimers > 0)

            // 401 days later: a new lead, replays a day old and an hour old.
            clock.set(Self.start.addingTimeInterval(401 * 86_400))
            let recent = try await Self.lead(seed.lead(), app: app, seed: seed)
            try await app.database.system { connection in
                for (key, age) in [("expired", 25.0 * 3_600), ("fresh", 3_600.0)] {
                    try await connection.query(
                        """
                        INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash, response_status, created_at)
                        VALUES (\(tenant), \(key), 'POST', '/v1/leads', '\\x00'::bytea, 201, \(clock.now.addingTimeInterval(-age)))
                        """, logger: TestDatabase.logger)
                }
            }

            let worker = RetentionWorker(
                database: app.database,
                settings: RetentionSettings(clock: clock.function, policy: RetentionPolicy(days: 400), batchSize: 2),
                logger: TestDatabase.logger
            )
            let pass = try await worker.runOnce(now: clock.now)
            #expect(pass.deliveries > 2, "pruned in batches of two: \(pass)")

            let old = UUID.v7Floor(at: Self.start.addingTimeInterval(86_400))
            #expect(try await Self.count("SELECT count(*)::int FROM events WHERE id < \(old) AND id <> \(pendingEvent)", app) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM events WHERE id = \(pendingEvent)", app) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM deliveries WHERE id < \(old) AND id <> \(pendingDelivery)", app) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM deliveries WHERE id = \(pendingDelivery)", app) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM delivery_attempts", app) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM timers WHERE fired_at IS NOT NULL OR cancelled_at IS NOT NULL", app) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL", app) > pendingTimers)
            #expect(try await Self.count("SELECT count(*)::int FROM events WHERE lead_id = \(UUID(uuidString: recent)!)", app) > 0)
            #expect(try await Self.count("SELECT count(*)::int FROM deliveries WHERE id >= \(old)", app) > 0)
            #expect(try await Self.count("SELECT count(*)::int FROM idempotency_keys WHERE key = 'expired'", app) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM idempotency_keys WHERE key = 'fresh'", app) == 1)
            // Leads are never pruned: reports and usage count them.
            #expect(try await Self.count("SELECT count(*)::int FROM leads", app) == 4)

            // Billing for the closed day and month is what it was.
            #expect(try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-25") == dayBefore)
            #expect(try await Self.operatorUsage(app, period: "2026-11", tenant: seed.tenantID) == monthBefore)
            // Today's lead is counted live.
            let today = UsageDay.label(UsageDay.start(of: clock.now))
            #expect(try await Self.tenantUsage(app, key: seed.key, from: today, to: today)["leads_received"] == 1)

            // A second pass finds nothing more and counts nothing twice.
            let again = try await worker.runOnce(now: clock.now)
            #expect(again.deliveries == 0 && again.events == 0 && again.attempts == 0 && again.timers == 0 && again.idempotencyKeys == 0, "\(again)")
            #expect(try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-25") == dayBefore)
            #expect(try await Self.operatorUsage(app, period: "2026-11", tenant: seed.tenantID) == monthBefore)
        }
    }

    @Test("closed days are read from the daily rollup and the open day from the live rows")
    func closedDaysAreReadFromTheRollup() async throws {
        let clock = TestClock(Self.start)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let tenant = try #require(UUID(uuidString: seed.tenantID))
            _ = try await Self.lead(seed.lead(), app: app, seed: seed)
            try await app.database.system { connection in
                try await connection.query(
                    "UPDATE deliveries SET status = 'delivered', delivered_at = \(Self.start.addingTimeInterval(5)) WHERE tenant_id = \(tenant)",
                    logger: TestDatabase.logger)
            }
            let closed = try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-25")
            #expect(closed["leads_received"] == 1)
            #expect(closed["active_owners"] == 1)
            #expect((closed["notifications_delivered/webhook"] ?? 0) + (closed["notifications_delivered/slack"] ?? 0) == 2)

            // Two days on, the 25th is closed and rolled up.
            clock.set(Self.start.addingTimeInterval(2 * 86_400))
            let worker = RetentionWorker(database: app.database, settings: RetentionSettings(clock: clock.function), logger: TestDatabase.logger)
            try await worker.runOnce(now: clock.now)
            #expect(try await Self.count("SELECT count(*)::int FROM usage_daily WHERE tenant_id = \(tenant) AND day = '2026-11-25'", app) > 0)
            let rolledUp = try await app.database.system { connection in
                var until: Date?
                for try await date in try await connection.query("SELECT rolled_up_until FROM usage_rollups WHERE tenant_id = \(tenant)", logger: TestDatabase.logger).decode(Date.self) {
                    until = date
                }
                return until
            }
            #expect(rolledUp == ReportFixtures.date("2026-11-27T00:00:00Z"))

            // The live rows of a closed day no longer move its figures (here
            // they are gone, as retention will make them go).
            try await app.database.system { connection in
                try await connection.query("DELETE FROM deliveries WHERE tenant_id = \(tenant)", logger: TestDatabase.logger)
                try await connection.query("UPDATE leads SET owner_id = NULL, status = 'unassigned' WHERE tenant_id = \(tenant)", logger: TestDatabase.logger)
            }
            #expect(try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-25") == closed)
            let month = try await Self.operatorUsage(app, period: "2026-11", tenant: seed.tenantID)
            #expect(month["leads_received"] == 1)
            #expect(month["active_owners"] == 1)

            // The open day is live: a lead now is counted at once, and in the month beside the rolled-up days.
            _ = try await Self.lead(seed.lead(email: "erika@example.de"), app: app, seed: seed)
            let today = try await Self.tenantUsage(app, key: seed.key, from: "2026-11-27", to: "2026-11-27")
            #expect(today["leads_received"] == 1)
            let whole = try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-27")
            #expect(whole["leads_received"] == 2)
            #expect(whole["active_owners"] == 1)  // Ana, on the 25th and the 27th: one owner in the month
            #expect(try await Self.operatorUsage(app, period: "2026-11", tenant: seed.tenantID)["leads_received"] == 2)
        }
    }

    @Test("workers side by side roll each closed day up once")
    func workersSideBySideCountEachDayOnce() async throws {
        let clock = TestClock(Self.start)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            for day in 0..<3 {
                clock.set(Self.start.addingTimeInterval(Double(day) * 86_400))
                for _ in 0...day { _ = try await Self.lead(seed.lead(), app: app, seed: seed) }
            }
            clock.set(Self.start.addingTimeInterval(5 * 86_400))
            let expected = try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-29")
            #expect(expected["leads_received"] == 6)
            let workers = (0..<4).map { _ in
                RetentionWorker(database: app.database, settings: RetentionSettings(clock: clock.function, batchSize: 1), logger: TestDatabase.logger)
            }
            let days = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in workers { group.addTask { try await worker.runOnce(now: clock.now).rolledUpDays } }
                return try await group.reduce(0, +)
            }
            #expect(days == 3, "three days with leads, each rolled up by one worker")
            let tenant = try #require(UUID(uuidString: seed.tenantID))
            #expect(try await Self.count(
                "SELECT sum(value)::int FROM usage_daily WHERE tenant_id = \(tenant) AND metric = 'leads_received'", app) == 6)
            #expect(try await Self.tenantUsage(app, key: seed.key, from: "2026-11-25", to: "2026-11-29") == expected)
        }
    }

    @Test("serve and worker run the retention worker beside the timers and deliveries")
    func workersIncludeRetention() async throws {
        try await TestApp.run { app in
            let services = Workers.services(database: app.database, logger: TestDatabase.logger)
            #expect(services.contains { $0 is RetentionWorker })
        }
    }

    // MARK: -

    static func lead(_ body: String, app: TestApp, seed: SeedConfiguration) async throws -> String {
        let response = try await app.request(.post, "/v1/leads", key: seed.key, json: body)
        guard response.status == .created else { throw TestFailure("lead answered \(response.status): \(response.text)") }
        return try response.json()["id"] as? String ?? ""
    }

    static func pendingDelivery(tenant: UUID, channel: String, at instant: Date, app: TestApp) async throws -> (UUID, UUID) {
        let event = UUID.v7(at: instant), delivery = UUID.v7(at: instant)
        try await app.database.system { connection in
            try await connection.query(
                "INSERT INTO events (tenant_id, id, type, payload, created_at) VALUES (\(tenant), \(event), 'lead.assigned', '{}', \(instant))",
                logger: TestDatabase.logger)
            try await connection.query(
                """
                INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at)
                VALUES (\(tenant), \(delivery), \(event), \(UUID(uuidString: channel)!), \(instant.addingTimeInterval(900 * 86_400)), \(instant))
                """, logger: TestDatabase.logger)
        }
        return (event, delivery)
    }

    static func count(_ query: PostgresQuery, _ app: TestApp) async throws -> Int {
        try await app.database.system { connection in
            var result = 0
            for try await count in try await connection.query(query, logger: TestDatabase.logger).decode(Int.self) { result = count }
            return result
        }
    }

    /// `metric` or `metric/dimension` → value, summed over the days asked for.
    static func tenantUsage(_ app: TestApp, key: String, from: String, to: String) async throws -> [String: Int] {
        let response = try await app.request(.get, "/v1/usage?from=\(from)&to=\(to)", key: key)
        guard response.status == .ok else { throw TestFailure("usage answered \(response.status): \(response.text)") }
        return figures(try response.json()["data"] as? [[String: Any]] ?? [])
    }

    static func operatorUsage(_ app: TestApp, period: String, tenant: String) async throws -> [String: Int] {
        let response = try await app.request(.get, "/v1/usage?period=\(period)", key: TestApp.operatorKey)
        guard response.status == .ok else { throw TestFailure("usage answered \(response.status): \(response.text)") }
        return figures((try response.json()["data"] as? [[String: Any]] ?? []).filter { $0["tenant_id"] as? String == tenant })
    }

    static func figures(_ rows: [[String: Any]]) -> [String: Int] {
        var figures: [String: Int] = [:]
        for row in rows {
            let metric = row["metric"] as? String ?? "", dimension = row["dimension"] as? String ?? ""
            figures[dimension.isEmpty ? metric : "\(metric)/\(dimension)", default: 0] += row["value"] as? Int ?? 0
        }
        return figures
    }
}
