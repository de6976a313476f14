@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import Testing

/// The engine as it runs in production: real time, woken by intake's NOTIFY,
/// beside the HTTP app. A policy of 2 s with a warning 1 s before and a
/// notify step 1 s after the breach, without a calendar: warning at +1 s,
/// breach at +2 s, escalation at +3 s.
@Suite(.serialized) struct TimerRealTimeTests {
    struct Fast {
        var key: String
        var owner: String
        var funnel: String
        var channel: String
    }

    static func configure(_ app: TestApp) async throws -> Fast {
        let (_, key) = try await app.createTenant("Realtime")
        func post(_ path: String, _ json: String) async throws -> String {
            let response = try await app.request(.post, path, key: key, json: json)
            guard response.status == .created else { throw TestFailure("\(path) answered \(response.status): \(response.text)") }
            return try response.json()["id"] as? String ?? ""
        }
        let owner = try await post("/v1/owners", #"{"name":"Dana Fast","email":"dana@example.com","timezone":"Europe/Berlin"}"#)
        let policy = try await post("/v1/sla-policies", #"{"name":"Two seconds","target_seconds":2,"warn_before_seconds":1,"escalations":[{"after_seconds":1,"action":"notify"}]}"#)
        let funnel = try await post("/v1/funnels", #"{"name":"Fast","qualify_min_score":1,"sla_policy_id":"\#(policy)","fallback_owner_id":"\#(owner)"}"#)
        let channel = try await post("/v1/channels", #"{"name":"Ops hook","type":"webhook","config":{"url":"https://ops.example.com/hooks"},"events":["sla.warning","sla.breached","lead.escalated"]}"#)
        return Fast(key: key, owner: owner, funnel: funnel, channel: channel)
    }

    /// Runs `body` with an engine running on the real clock. Its safety scan is
    /// a minute, so only intake's NOTIFY can wake it on time.
    static func withEngine(_ app: TestApp, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let listening = Flag()
        let engine = app.engine(clock: Date.init, safetyScan: .seconds(60), onListening: { listening.set() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            try await listening.wait()
            // The resync on listening has looked; let it go back to sleep.
            try await Task.sleep(for: .milliseconds(50))
            try await body()
            group.cancelAll()
        }
    }

    static func lead(_ fast: Fast, _ app: TestApp) async throws -> String {
        let created = try await app.request(.post, "/v1/leads", key: fast.key, json: #"{"funnel_id":"\#(fast.funnel)","email":"quick@example.com","score":5}"#)
        guard created.status == .created else { throw TestFailure("lead create answered \(created.status): \(created.text)") }
        return try created.json()["id"] as? String ?? ""
    }

    static func waitForEvents(_ count: Int, lead: String, _ app: TestApp, timeout: Duration = .seconds(8)) async throws -> [EventRow] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let events = try await app.events(lead: lead)
            if events.count >= count || ContinuousClock.now >= deadline { return events }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func warningBreachAndEscalationArriveInOrderEachWithinASecond() async throws {
        try await TestApp.run { app in
            let fast = try await Self.configure(app)
            try await Self.withEngine(app) {
                let id = try await Self.lead(fast, app)
                let visible = Date()
                let events = try await Self.waitForEvents(4, lead: id, app)
                #expect(events.map(\.type) == ["lead.assigned", "sla.warning", "sla.breached", "lead.escalated"])
                let timers = try await app.timers(lead: id)
                #expect(timers.map(\.kind) == ["warning", "breach", "escalation"])
                for (timer, event) in zip(timers, events.dropFirst()) {
                    let fired = try #require(timer.firedAt, "\(timer.kind) did not fire")
                    #expect(fired == event.createdAt)
                    #expect(event.createdAt >= timer.dueAt, "\(event.type) fired early")
                    // A timer cannot fire before intake has committed it; on a
                    // starved machine intake alone can outlast the first second.
                    let lag = event.createdAt.timeIntervalSince(max(timer.dueAt, visible))
                    #expect(lag < 1, "\(event.type) came \(lag) s after its instant (intake answered \(visible.timeIntervalSince(timer.dueAt)) s after it)")
                    #expect(event.late == (event.createdAt.timeIntervalSince(timer.dueAt) > 1))
                    #expect(event.deliveryChannels == [fast.channel])
                }
                #expect(events[3].escalation?["action"] as? String == "notify")
                let lead = try await app.lead(id, key: fast.key)
                #expect((lead["sla"] as? [String: Any])?["state"] as? String == "breached")
            }
        }
    }

    @Test func severalLeadsStaggeredEachFireOnTime() async throws {
        try await TestApp.run { app in
            let fast = try await Self.configure(app)
            try await Self.withEngine(app) {
                var leads: [(id: String, visible: Date)] = []
                for _ in 0..<3 {
                    let id = try await Self.lead(fast, app)
                    leads.append((id, Date()))
                    try await Task.sleep(for: .milliseconds(400))
                }
                for (id, visible) in leads {
                    let events = try await Self.waitForEvents(4, lead: id, app)
                    #expect(events.map(\.type) == ["lead.assigned", "sla.warning", "sla.breached", "lead.escalated"])
                    let timers = try await app.timers(lead: id)
                    for (timer, event) in zip(timers, events.dropFirst()) {
                        let lag = event.createdAt.timeIntervalSince(max(timer.dueAt, visible))
                        #expect(event.createdAt >= timer.dueAt && lag < 1, "\(event.type) came \(lag) s after its instant")
                    }
                }
            }
        }
    }

    @Test func aLeadAnsweredBeforeItsWarningFiresNothing() async throws {
        try await TestApp.run { app in
            let fast = try await Self.configure(app)
            try await Self.withEngine(app) {
                let id = try await Self.lead(fast, app)
                let response = try await app.request(.post, "/v1/leads/\(id)/responses", key: fast.key, json: #"{"channel":"email"}"#)
                #expect(response.status == .created)
                try await Task.sleep(for: .milliseconds(3_600))
                #expect(try await app.events(lead: id).map(\.type) == ["lead.assigned", "lead.responded"])
                #expect(try await app.timers(lead: id).allSatisfy { $0.firedAt == nil && $0.cancelledAt != nil })
            }
        }
    }
}
