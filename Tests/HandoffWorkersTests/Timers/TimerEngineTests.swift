@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

/// The engine with an injected clock: `fireDue(now:)` is what `run()` does on
/// each wake. The seed's lead (Ana, Wednesday 09:00Z) warns at 09:04, is due
/// at 09:05 and escalates (reassign to Managers) at 09:15.
@Suite struct TimerEngineTests {
    @Test func warningBreachAndEscalationFireInOrderAndFanOut() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.createLead(seed)
            let engine = app.engine(clock: clock.function)

            #expect(try await engine.fireDue(now: .utcMorning(3, 59.9)).fired == 0)

            let warning = try await engine.fireDue(now: .utcMorning(4))
            #expect(warning.fired == 1 && warning.events == 1 && warning.deliveries == 1)
            var sla = try #require(try await app.lead(id, key: seed.key)["sla"] as? [String: Any])
            #expect(sla["warned_at"] as? String == "2026-11-25T09:04:00.000Z")
            #expect(sla["state"] as? String == "running")

            let breach = try await engine.fireDue(now: .utcMorning(5, 0.3))
            #expect(breach.fired == 1 && breach.deliveries == 3)
            sla = try #require(try await app.lead(id, key: seed.key)["sla"] as? [String: Any])
            #expect(sla["state"] as? String == "breached")
            #expect(sla["breached_at"] as? String == "2026-11-25T09:05:00.000Z")

            let escalation = try await engine.fireDue(now: .utcMorning(15))
            #expect(escalation.fired == 1)
            #expect(try await engine.fireDue(now: .utcMorning(60)).fired == 0)

            let lead = try await app.lead(id, key: seed.key)
            #expect(lead["owner_id"] as? String == seed.carla)
            #expect(lead["status"] as? String == "assigned")
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 0)
            #expect(try await app.openLeads(seed.carla, key: seed.key) == 1)
            let timeline = try #require(lead["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["type"] as? String } == ["lead.assigned", "sla.warning", "sla.breached", "lead.escalated"])

            let events = try await app.events(lead: id)
            #expect(events.map(\.type) == ["lead.assigned", "sla.warning", "sla.breached", "lead.escalated"])
            #expect(events[1].deliveryChannels == [seed.slack])
            #expect(Set(events[2].deliveryChannels) == [seed.webhook, seed.slack, seed.email])
            #expect(events[3].deliveryChannels.isEmpty)  // the seed subscribes nobody to lead.escalated
            #expect(events.dropFirst().allSatisfy { $0.late == false })
            #expect(events[2].lateByMs == 300)
            let step = try #require(events[3].escalation)
            #expect(step["step"] as? Int == 1)
            #expect(step["action"] as? String == "reassign")
            #expect(step["from_owner_id"] as? String == seed.ana)
            #expect(step["to_owner_id"] as? String == seed.carla)
            #expect(events[3].ownerID == seed.carla)

            let timers = try await app.timers(lead: id)
            #expect(timers.map(\.firedAt) == [.utcMorning(4), .utcMorning(5, 0.3), .utcMorning(15)])
            #expect(timers.allSatisfy { $0.cancelledAt == nil })
        }
    }

    @Test func aResponseBeforeTheDeadlineCancelsEverything() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.createLead(seed)
            let engine = app.engine(clock: clock.function)
            clock.set(.utcMorning(2))
            let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key, json: #"{"channel":"call"}"#)
            #expect(response.status == .created, "\(response.text)")

            let batch = try await engine.fireDue(now: .utcMorning(600))
            #expect(batch.fired == 0 && batch.events == 0)
            let timers = try await app.timers(lead: id)
            #expect(timers.count == 3)
            #expect(timers.allSatisfy { $0.firedAt == nil && $0.cancelledAt == .utcMorning(2) })
            let lead = try await app.lead(id, key: seed.key)
            #expect((lead["sla"] as? [String: Any])?["state"] as? String == "met")
            #expect(try await app.events(lead: id).map(\.type) == ["lead.assigned", "lead.responded"])
        }
    }

    /// The race `respond` and the engine run, made deterministic: a response
    /// transaction holds the lead; the engine does not wait for it (it skips
    /// the lead) and fires nothing once the response has committed.
    @Test func aResponseThatHoldsTheLeadWinsOverTheEngine() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.createLead(seed)
            let leadID = UUID(uuidString: id)!, tenantID = UUID(uuidString: seed.tenantID)!
            let engine = app.engine(clock: clock.function)
            let now = Date.utcMorning(20)
            let store = LeadStore(database: app.database)
            let configuration = try await TenantConfigurationStore(database: app.database).load(tenantID: tenantID)
            let racing = try await app.database.tenant(tenantID) { connection in
                try await connection.query("SELECT 1 FROM leads WHERE id = \(leadID) FOR UPDATE", logger: TestDatabase.logger)
                // While this transaction holds the lead, an engine takes nothing and waits for nothing.
                let batch = try await engine.fireDue(now: now)
                try await connection.query(
                    "UPDATE timers SET cancelled_at = \(now) WHERE lead_id = \(leadID) AND fired_at IS NULL", logger: TestDatabase.logger
                )
                return batch
            }
            #expect(racing.leads == 0 && racing.fired == 0)
            _ = try await store.respond(
                leadID: leadID, channel: "call", ownerID: nil, respondedAt: now, configuration: configuration, tenantID: tenantID, now: now
            )
            #expect(try await engine.fireDue(now: now).fired == 0)
            #expect(try await app.events(lead: id).map(\.type) == ["lead.assigned", "lead.responded"])
        }
    }

    @Test func aReassignEscalationMovesTheLeadToCarlaAndRestartsTheClock() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let patched = try await app.request(.patch, "/v1/sla-policies/\(seed.policy)", key: seed.key, json: #"{"restart_on_reassign":true}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            let id = try await app.createLead(seed)
            let engine = app.engine(clock: clock.function)
            for instant in [Date.utcMorning(4), .utcMorning(5), .utcMorning(15)] {
                #expect(try await engine.fireDue(now: instant).fired == 1)
            }
            let lead = try await app.lead(id, key: seed.key)
            #expect(lead["owner_id"] as? String == seed.carla)
            let sla = try #require(lead["sla"] as? [String: Any])
            #expect(sla["state"] as? String == "running")
            #expect(sla["started_at"] as? String == "2026-11-25T09:15:00.000Z")
            #expect(sla["due_at"] as? String == "2026-11-25T09:20:00.000Z")
            #expect(sla["warned_at"] is NSNull && sla["breached_at"] is NSNull)

            let timers = try await app.timers(lead: id)
            #expect(timers.filter { $0.firedAt != nil }.count == 3)
            #expect(timers.filter(\.pending).map(\.kind) == ["warning", "breach", "escalation"])
            #expect(timers.filter(\.pending).map(\.dueAt) == [.utcMorning(19), .utcMorning(20), .utcMorning(30)])
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 0)
            #expect(try await app.openLeads(seed.carla, key: seed.key) == 1)

            // The new clock runs out too; Carla is the only manager, so the
            // step finds nobody else: announced, the lead stays with her.
            #expect(try await engine.fireDue(now: .utcMorning(30)).fired == 3)
            let events = try await app.events(lead: id)
            #expect(events.map(\.type) == [
                "lead.assigned", "sla.warning", "sla.breached", "lead.escalated", "sla.warning", "sla.breached", "lead.escalated",
            ])
            #expect(events[6].escalation?["to_owner_id"] is NSNull)
            #expect(events[6].ownerID == seed.carla)
            #expect(try await app.timers(lead: id).allSatisfy { !$0.pending })
            #expect(try await app.openLeads(seed.carla, key: seed.key) == 1)
        }
    }

    /// The engine was down from 09:01 until 09:20: everything overdue fires at
    /// once, in order, marked late by how much.
    @Test func afterARestartOverdueTimersFireAtOnceMarkedLate() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let id = try await app.createLead(seed)
            let reported = Mutex<[Duration]>([])
            let engine = app.engine(clock: clock.function, onLateness: { lateness in reported.withLock { $0.append(lateness) } })
            let batch = try await engine.fireDue(now: .utcMorning(20))
            #expect(batch.fired == 3 && batch.late == 3 && batch.maxLateMs == 16 * 60_000)
            // What `serve` hands its intake gate: the batch's worst lateness.
            #expect(reported.withLock { $0 } == [.seconds(16 * 60)])
            let events = try await app.events(lead: id).dropFirst()
            #expect(events.map(\.type) == ["sla.warning", "sla.breached", "lead.escalated"])
            #expect(events.allSatisfy { $0.late == true && $0.createdAt == .utcMorning(20) })
            #expect(events.map(\.lateByMs) == [16 * 60_000, 15 * 60_000, 5 * 60_000])
            let sla = try #require(try await app.lead(id, key: seed.key)["sla"] as? [String: Any])
            #expect(sla["warned_at"] as? String == "2026-11-25T09:20:00.000Z")
            #expect(sla["breached_at"] as? String == "2026-11-25T09:05:00.000Z")
        }
    }

    /// 1,000 leads, 3,000 overdue timers, three engines at once with small
    /// batches: every timer fires exactly once and nothing is left.
    @Test func threeEnginesFireThousandsOfTimersExactlyOnce() async throws {
        let clock = TestClock(.utcMorning(60))
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            try await app.insertOverdueLeads(seed, count: 1_000)
            let engines = (0..<3).map { _ in app.engine(clock: clock.function, batchSize: 25, window: 250) }
            let store = TimerStore(database: app.database)
            let now = clock.now
            let fired = try await withThrowingTaskGroup(of: Int.self) { group in
                for engine in engines {
                    group.addTask {
                        var fired = 0
                        while true {
                            let batch = try await engine.fireDue(now: now)
                            fired += batch.fired
                            if batch.leads == 0 {
                                if try await store.dueCount(now: now) == 0 { return fired }
                                try await Task.sleep(for: .milliseconds(5))
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(fired.reduce(0, +) == 3_000)
            #expect(fired.allSatisfy { $0 > 0 }, "every engine took a share: \(fired)")

            let (pending, unfired, events, duplicates, perLead) = try await app.backlogOutcome()
            #expect(pending == 0 && unfired == 0)
            #expect(events == 3_000)
            #expect(duplicates == 0)
            #expect(perLead == 1_000)
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 0)
            #expect(try await app.openLeads(seed.carla, key: seed.key) == 1_000)
        }
    }

    /// One running engine, far behind: a full batch sends it into catch-up with
    /// several transactions at once, and still every timer fires exactly once.
    @Test func aRunningEngineCatchesUpOnABacklogFiringEachTimerOnce() async throws {
        let clock = TestClock(.utcMorning(60))
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            try await app.insertOverdueLeads(seed, count: 1_000)
            let engine = app.engine(clock: clock.function, batchSize: 25, window: 250)
            let running = Task { try await engine.run() }
            defer { running.cancel() }
            let store = TimerStore(database: app.database)
            for _ in 0..<600 where try await store.dueCount(now: clock.now) > 0 {
                try await Task.sleep(for: .milliseconds(100))
            }
            let (pending, unfired, events, duplicates, perLead) = try await app.backlogOutcome()
            #expect(pending == 0 && unfired == 0)
            #expect(events == 3_000)
            #expect(duplicates == 0)
            #expect(perLead == 1_000)
            #expect(try await app.openLeads(seed.carla, key: seed.key) == 1_000)
        }
    }

    /// Shut down while a backlog is being fired: the batch in flight commits
    /// whole, no new one starts, and every lead has all of its due timers
    /// fired (with events and the load moved) or none.
    @Test func gracefulShutdownLetsTheBatchInFlightCommitWhole() async throws {
        let clock = TestClock(.utcMorning(60))
        try await TestApp.run(clock: clock.function) { app in
            let seed = try await SeedConfiguration.create(on: app)
            try await app.insertOverdueLeads(seed, count: 2_000)
            let engine = app.engine(clock: clock.function, batchSize: 50)
            let group = ServiceGroup(configuration: .init(services: [engine], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                while try await app.firedCounts().fired == 0 { try await Task.sleep(for: .milliseconds(2)) }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let stopped = try await app.firedCounts()
            try await Task.sleep(for: .milliseconds(300))
            let later = try await app.firedCounts()
            #expect(later.fired == stopped.fired, "nothing fires after run() returned")
            #expect(stopped.fired > 0 && stopped.fired < 6_000, "stopped mid-backlog: \(stopped.fired)")
            #expect(stopped.fired == stopped.events)
            #expect(stopped.partialLeads == 0)
            #expect(try await app.openLeads(seed.ana, key: seed.key) == 2_000 - stopped.fired / 3)
        }
    }
}
