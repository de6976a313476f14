@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import Testing

/// What one tenant's trouble must not do to the others' SLA timers: a lead
/// that cannot be fired, or a suspended tenant, holds up nobody else.
@Suite struct TimerFaultIsolationTests {
    /// A timer row with its failure bookkeeping.
    struct Failure: Sendable {
        var failures: Int
        var failedAt: Date?
        var lastError: String?
        var fired: Bool
    }

    static func failures(_ app: TestApp, lead: String) async throws -> [Failure] {
        let leadID = UUID(uuidString: lead)!
        return try await app.database.system { connection in
            var result: [Failure] = []
            let rows = try await connection.query(
                "SELECT failures, failed_at, last_error, fired_at IS NOT NULL FROM timers WHERE lead_id = \(leadID) AND kind = 'warning'",
                logger: TestDatabase.logger
            )
            for try await (failures, failedAt, lastError, fired) in rows.decode((Int, Date?, String?, Bool).self) {
                result.append(Failure(failures: failures, failedAt: failedAt, lastError: lastError, fired: fired))
            }
            return result
        }
    }

    @Test func aLeadThatCannotBeFiredIsQuarantinedWhileOtherTenantsTimersFire() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let acme = try await SeedConfiguration.create(on: app, tenant: "Acme")
            let beta = try await SeedConfiguration.create(on: app, tenant: "Beta")
            let broken = try await app.createLead(acme)
            let healthy = try await app.createLead(beta)
            // A stored row the engine cannot read back: answers must be an object.
            let brokenID = UUID(uuidString: broken)!
            _ = try await app.database.system { connection in
                try await connection.query(
                    #"UPDATE leads SET answers = '"not an object"'::jsonb WHERE id = \#(brokenID)"#, logger: TestDatabase.logger
                )
            }
            let engine = app.engine(clock: clock.function)

            let first = try await engine.fireDue(now: .utcMorning(4))
            #expect(first.fired == 1, "the other tenant's warning fires")
            #expect(try await app.timers(lead: healthy).first?.firedAt == .utcMorning(4))
            var bad = try #require(try await Self.failures(app, lead: broken).first)
            #expect(!bad.fired && bad.failures == 1 && bad.failedAt == nil)
            #expect(bad.lastError?.isEmpty == false)

            // Tried again on later rounds, then quarantined: never fired, never picked again.
            for _ in 1..<TimerSettings().quarantineAfter { try await engine.fireDue(now: .utcMorning(4)) }
            bad = try #require(try await Self.failures(app, lead: broken).first)
            #expect(!bad.fired && bad.failures == TimerSettings().quarantineAfter && bad.failedAt == .utcMorning(4))
            let after = try await engine.fireDue(now: .utcMorning(4))
            #expect(after.leads == 0)
            // What the engine sleeps towards is the next live timer, not the quarantined one.
            #expect(try await engine.store.nextDue() == .utcMorning(5))

            // The other tenant's later timers keep firing.
            let breach = try await engine.fireDue(now: .utcMorning(5))
            #expect(breach.fired == 1)
            #expect(try await app.events(lead: healthy).map(\.type) == ["lead.assigned", "sla.warning", "sla.breached"])
        }
    }

    @Test func aSuspendedTenantsTimersAreHeldAndFireOnceItIsReactivated() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let acme = try await SeedConfiguration.create(on: app, tenant: "Acme")
            let beta = try await SeedConfiguration.create(on: app, tenant: "Beta")
            let held = try await app.createLead(acme)
            let active = try await app.createLead(beta)
            let suspend = try await app.request(.patch, "/v1/tenants/\(acme.tenantID)", key: TestApp.operatorKey, json: #"{"status":"suspended"}"#)
            #expect(suspend.status == .ok, "\(suspend.text)")
            let engine = app.engine(clock: clock.function)

            let batch = try await engine.fireDue(now: .utcMorning(4))
            #expect(batch.fired == 1)
            #expect(try await app.timers(lead: active).first?.firedAt == .utcMorning(4))
            // Held, not failed: pending, untouched.
            let warning = try #require(try await Self.failures(app, lead: held).first)
            #expect(!warning.fired && warning.failures == 0 && warning.failedAt == nil)
            #expect(try await app.events(lead: held).map(\.type) == ["lead.assigned"])
            // The engine does not wake for what it may not fire.
            #expect(try await engine.store.nextDue() == .utcMorning(5))

            let reactivate = try await app.request(.patch, "/v1/tenants/\(acme.tenantID)", key: TestApp.operatorKey, json: #"{"status":"active"}"#)
            #expect(reactivate.status == .ok, "\(reactivate.text)")
            let resumed = try await engine.fireDue(now: .utcMorning(4, 30))
            #expect(resumed.fired == 1)
            #expect(try await app.events(lead: held).map(\.type) == ["lead.assigned", "sla.warning"])
        }
    }

    /// The failure that rolls a whole transaction back: a cached configuration
    /// still names a channel deleted meanwhile, so the lead's new delivery
    /// breaks a foreign key.
    @Test func aLeadWhoseWriteTheDatabaseRefusesDoesNotHoldUpOtherTenants() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let acme = try await SeedConfiguration.create(on: app, tenant: "Acme")
            let beta = try await SeedConfiguration.create(on: app, tenant: "Beta")
            let refused = try await app.createLead(acme)
            let healthy = try await app.createLead(beta)
            let acmeID = UUID(uuidString: acme.tenantID)!, slack = UUID(uuidString: acme.slack)!
            let configurations = TenantConfigurationStore(database: app.database)
            let stale = try await configurations.load(tenantID: acmeID)
            try await app.database.system { connection in
                try await connection.query("DELETE FROM deliveries WHERE channel_id = \(slack)", logger: TestDatabase.logger)
                try await connection.query("DELETE FROM channels WHERE id = \(slack)", logger: TestDatabase.logger)
            }
            let store = TimerStore(database: app.database)
            let batch = try await store.fireDue(now: .utcMorning(4), configuration: { tenantID in
                tenantID == acmeID ? stale : try await configurations.load(tenantID: tenantID)
            })
            #expect(batch.fired == 1)
            #expect(try await app.timers(lead: healthy).first?.firedAt == .utcMorning(4))
            let failure = try #require(try await Self.failures(app, lead: refused).first)
            #expect(!failure.fired && failure.failures == 1 && failure.failedAt == nil)
            #expect(failure.lastError?.contains("23503") == true, "\(failure.lastError ?? "")")
        }
    }
}
