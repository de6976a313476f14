@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// `POST /v1/leads` with an Idempotency-Key: the lead and the key's outcome
/// commit together, so a retry after a crash finds the lead instead of
/// writing a second one (and notifying everyone twice).
@Suite struct IntakeIdempotencyTests {
    static func count(_ sql: String, _ app: TestApp) async throws -> Int {
        let rows = try await app.database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect()
        return try rows.first?.decode(Int.self) ?? -1
    }

    @Test func aRetryAfterACrashThatFollowedTheLeadsCommitReplaysThatLeadAndWritesNoSecond() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let headers: HTTPFields = [.init("Idempotency-Key")!: "lead-1"]
            let first = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(first.status == .created, "\(first.text)")
            let id = try #require(try first.json()["id"] as? String)
            let deliveries = try await Self.count("SELECT count(*) FROM deliveries", app)

            // The process died after the lead committed and before the key's
            // response was stored: the reservation is left incomplete.
            try await app.database.client.query(
                "UPDATE idempotency_keys SET response_status = NULL, response_headers = NULL, response_body = NULL WHERE key = 'lead-1'",
                logger: TestDatabase.logger
            )
            clock.advance(by: 61)  // past the window after which a reservation counts as abandoned

            let retry = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(retry.status == .created, "\(retry.text)")
            #expect(retry.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try retry.json()["id"] as? String == id, "the retry answers with the lead that committed")
            #expect(try await Self.count("SELECT count(*) FROM leads", app) == 1, "the retry wrote a second lead")
            #expect(try await Self.count("SELECT count(*) FROM deliveries", app) == deliveries, "the retry queued its notifications again")

            // And from then on it is an ordinary replay.
            let again = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(again.status == .created)
            #expect(try again.json()["id"] as? String == id)
        }
    }

    @Test func aRetryAfterACrashBeforeTheLeadCommittedWritesTheLeadOnce() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let headers: HTTPFields = [.init("Idempotency-Key")!: "lead-2"]
            // A request that reserved the key and died before its lead was written.
            let first = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(first.status == .created)
            for statement in [
                "DELETE FROM deliveries", "DELETE FROM events", "DELETE FROM timers", "DELETE FROM owner_load", "DELETE FROM leads",
                "UPDATE idempotency_keys SET response_status = NULL, response_headers = NULL, response_body = NULL, lead_id = NULL WHERE key = 'lead-2'",
            ] {
                try await app.database.client.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
            }
            clock.advance(by: 61)
            let retry = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(), headers: headers)
            #expect(retry.status == .created, "\(retry.text)")
            #expect(retry.headers[.init("Idempotent-Replayed")!] == nil, "nothing had committed: the request ran again")
            #expect(try await Self.count("SELECT count(*) FROM leads", app) == 1)
        }
    }
}
