@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import HTTPTypes
import PostgresNIO
import Testing

/// `POST /v1/channels/{id}/test`: a signed `ping` to one channel, sent at once
/// by the dispatcher that the API's outbox signal wakes (its poll is an hour),
/// to real receivers.
@Suite("Channel test (ping)")
struct ChannelTestTests {
    /// A dispatcher on `clock` that opens the API's sealed secrets, and waits
    /// until it listens, so a send can only have come from the NOTIFY.
    static func withDispatcher<T: Sendable>(
        _ app: TestApp, clock: TestClock, smtp: SMTPConfiguration? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let listening = ListeningFlag()
        var settings = testDeliverySettings(clock: clock, smtp: smtp, pollInterval: .seconds(3600), onListening: { listening.set() })
        settings.secretKey = app.dependencies.secretKey
        return try await withDispatchers(database: app.database, settings: settings) { _ in
            try await listening.wait()
            return try await body()
        }
    }

    /// Polls the delivery log by event id until the delivery settles.
    static func settled(_ app: TestApp, key: String, eventID: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let delivery = try await app.list("/v1/deliveries?event_id=\(eventID)", key: key).first,
               delivery["status"] as? String != "pending" {
                return delivery
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the delivery of event \(eventID) did not settle")
    }

    static func pingEvents(_ app: TestApp) async throws -> Int {
        let rows = try await app.database.client.query("SELECT count(*)::int FROM events WHERE type = 'ping'", logger: TestDatabase.logger).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }

    @Test("a webhook's ping arrives at once, signed and verifiable, with the channel in data; the 202 is the delivery to watch")
    func webhookPing() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(allowPrivateTargets: true, clock: clock.function) { app in
            try await HTTPReceiver.with { receiver in
                let (tenantID, key) = try await app.createTenant("Acme")
                // Subscribed to breaches only: a ping goes to the channel it tests all the same.
                let created = try await app.create("/v1/channels", key: key, json: jsonBody([
                    "name": "CRM", "type": "webhook", "config": ["url": receiver.url("/crm")], "events": ["sla.breached"],
                ]))
                let channelID = try #require(created["id"] as? String)
                let secret = try #require(WebhookSecret(created["secret"] as? String ?? ""))

                try await Self.withDispatcher(app, clock: clock) {
                    let response = try await app.request(.post, "/v1/channels/\(channelID)/test", key: key)
                    #expect(response.status == .accepted, "\(response.text)")
                    let accepted = try response.json()
                    #expect(Set(accepted.keys) == ["id", "event_id", "event_type", "channel_id", "status", "attempt_count",
                                                   "next_attempt_at", "last_error", "delivered_at", "created_at", "attempts"])
                    #expect(accepted["event_type"] as? String == "ping")
                    #expect(accepted["channel_id"] as? String == channelID)
                    #expect(accepted["status"] as? String == "pending")
                    #expect(accepted["attempt_count"] as? Int == 0)
                    #expect(accepted["next_attempt_at"] as? String == RFC3339Timestamp.format(clock.now), "due now")
                    let eventID = try #require(accepted["event_id"] as? String)

                    let request = try #require(try await receiver.waitForRequests(1).first)
                    #expect(request.method == "POST" && request.path == "/crm")
                    try WebhookVerifier(secret: secret).verify(body: request.body, headers: request.headerDictionary, now: clock.now)
                    #expect(request.header("webhook-id") == eventID)
                    #expect(request.header("webhook-timestamp") == String(Int(clock.now.timeIntervalSince1970)))
                    #expect(request.header("webhook-signature")?.split(separator: " ").count == 1, "one secret, one signature")
                    #expect(request.header("content-type") == "application/json")

                    let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
                    #expect(Set(body.keys) == ["id", "type", "created_at", "tenant_id", "data"])
                    #expect(body["type"] as? String == "ping")
                    #expect(body["id"] as? String == eventID)
                    #expect(body["tenant_id"] as? String == tenantID)
                    #expect(body["created_at"] as? String == RFC3339Timestamp.format(clock.now))
                    #expect(canonicalJSON(body["data"] ?? NSNull()) == canonicalJSON(["channel": ["id": channelID, "name": "CRM", "type": "webhook"]]))

                    let delivered = try await Self.settled(app, key: key, eventID: eventID)
                    #expect(delivered["id"] as? String == accepted["id"] as? String)
                    #expect(delivered["status"] as? String == "delivered")
                    #expect(delivered["event_type"] as? String == "ping")
                    #expect((delivered["attempts"] as? [[String: Any]])?.first?["status_code"] as? Int == 200)
                }
                #expect(receiver.requests.count == 1, "sent once")
            }
        }
    }

    @Test("Slack gets a short test message, even on an inactive channel; e-mail a test mail to its list")
    func slackAndEmail() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(allowPrivateTargets: true, clock: clock.function) { app in
            try await HTTPReceiver.with { receiver in
                try await SMTPSink.with { sink in
                    let (_, key) = try await app.createTenant("Acme")
                    let slack = try await app.createID("/v1/channels", key: key, [
                        "name": "Sales <Slack>", "type": "slack", "config": ["webhook_url": receiver.url("/slack")],
                        "events": ["lead.assigned"], "active": false,
                    ])
                    let mail = try await app.createID("/v1/channels", key: key, [
                        "name": "Ops mail", "type": "email", "config": ["to": ["ops@example.com"]], "events": ["sla.breached"],
                    ])
                    let smtp = try SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)", from: "Handoff Alerts <alerts@handoff.test>")
                    try await Self.withDispatcher(app, clock: clock, smtp: smtp) {
                        for channel in [slack, mail] {
                            let response = try await app.request(.post, "/v1/channels/\(channel)/test", key: key)
                            #expect(response.status == .accepted, "\(response.text)")
                            let eventID = try #require(try response.json()["event_id"] as? String)
                            let settled = try await Self.settled(app, key: key, eventID: eventID)
                            #expect(settled["status"] as? String == "delivered", "\(settled)")
                        }
                    }
                    let posted = try #require(receiver.requests.first)
                    #expect(posted.path == "/slack")
                    let message = try #require(try JSONSerialization.jsonObject(with: Data(posted.body)) as? [String: Any])
                    #expect((message["text"] as? String)?.hasPrefix("Handoff test message") == true, "\(posted.text)")
                    #expect(posted.text.contains("Sales &lt;Slack&gt;"))
                    #expect(posted.header("webhook-signature") == nil, "Slack is not signed")

                    let received = try await sink.nextMessage()
                    #expect(received.rcptTos == ["ops@example.com"])
                    #expect(received.subject == "Handoff test message: Ops mail")
                    #expect(received.body.contains("This is a test message from Handoff."))
                }
            }
        }
    }

    @Test("a ping is not a billed notification: not in the tenant's usage, the operator's export or the rollup")
    func notBilled() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(allowPrivateTargets: true, clock: clock.function) { app in
            try await HTTPReceiver.with { receiver in
                let (tenantText, key) = try await app.createTenant("Acme")
                let tenant = try #require(UUID(uuidString: tenantText))
                let channel = try await app.createID("/v1/channels", key: key, [
                    "name": "CRM", "type": "webhook", "config": ["url": receiver.url("/crm")], "events": ["lead.assigned"],
                ])
                try await Self.withDispatcher(app, clock: clock) {
                    // One lead event delivered, and two pings delivered, to the same channel.
                    let event = DeliveryTestEvents.event(tenantID: tenant)
                    try await DeliveryHarness.insertEvent(event, client: app.database.client, logger: TestDatabase.logger)
                    try await DeliveryHarness.insertDelivery(
                        tenantID: tenant, eventID: event.id, channelID: try #require(UUID(uuidString: channel)), due: clock.now,
                        client: app.database.client, logger: TestDatabase.logger
                    )
                    app.dependencies.outbox.raise()  // as intake does after its commit
                    _ = try await Self.settled(app, key: key, eventID: event.id.uuidString.lowercased())
                    for _ in 0..<2 {
                        let eventID = try #require(try await app.request(.post, "/v1/channels/\(channel)/test", key: key).json()["event_id"] as? String)
                        #expect(try await Self.settled(app, key: key, eventID: eventID)["status"] as? String == "delivered")
                    }
                }
                #expect(receiver.requests.count == 3)
                #expect(try await app.list("/v1/deliveries?status=delivered", key: key).count == 3)

                func billed(_ rows: [[String: Any]]) -> Int? {
                    rows.first { $0["metric"] as? String == "notifications_delivered" && $0["dimension"] as? String == "webhook" }?["value"] as? Int
                }
                func usage() async throws -> (tenant: Int?, operator: Int?) {
                    let own = try await app.request(.get, "/v1/usage?from=2026-11-25&to=2026-11-25", key: key).json()["data"] as? [[String: Any]] ?? []
                    let all = try await app.request(.get, "/v1/usage?period=2026-11", key: TestApp.operatorKey).json()["data"] as? [[String: Any]] ?? []
                    return (billed(own), billed(all.filter { $0["tenant_id"] as? String == tenantText }))
                }
                let live = try await usage()
                #expect(live.tenant == 1, "live rows: only the lead's notification")
                #expect(live.operator == 1)

                // Two days on, the retention worker rolls the day up; the closed day says the same.
                clock.advance(by: 2 * 86_400)
                let worker = RetentionWorker(database: app.database, settings: RetentionSettings(clock: clock.function), logger: TestDatabase.logger)
                #expect(try await worker.runOnce(now: clock.now).rolledUpDays >= 1)
                let stored = try await app.database.client.query(
                    "SELECT value FROM usage_daily WHERE tenant_id = \(tenant) AND metric = 'notifications_delivered'", logger: TestDatabase.logger
                ).collect().map { try $0.decode(Int64.self) }
                #expect(stored == [1])
                let rolled = try await usage()
                #expect(rolled.tenant == 1)
                #expect(rolled.operator == 1)
            }
        }
    }

    @Test("another tenant's or an unknown channel is 404, a malformed id 422, read and ingest keys 403; nothing is stored")
    func access() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let channel = try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned"],
            ])
            let foreign = try await app.request(.post, "/v1/channels/\(channel)/test", key: other)
            expectProblem(foreign, .notFound, slug: "not-found")
            #expect(!foreign.text.contains(channel))
            expectProblem(try await app.request(.post, "/v1/channels/\(unknownID())/test", key: key), .notFound, slug: "not-found")
            try expectValidation(try await app.request(.post, "/v1/channels/not-a-uuid/test", key: key), fields: ["id"])
            let (_, reader) = try await app.createKey(adminKey: key, scopes: ["read"])
            let (_, ingest) = try await app.createKey(adminKey: key, scopes: ["ingest"])
            expectProblem(try await app.request(.post, "/v1/channels/\(channel)/test", key: reader), .forbidden, slug: "forbidden")
            expectProblem(try await app.request(.post, "/v1/channels/\(channel)/test", key: ingest), .forbidden, slug: "forbidden")
            #expect(try await Self.pingEvents(app) == 0)
            #expect(try await app.list("/v1/deliveries", key: key).isEmpty)
        }
    }

    @Test("an e-mail channel that writes to the lead's owner has nobody to test: 409, nothing stored")
    func toOwnerHasNoRecipient() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let channel = try await app.createID("/v1/channels", key: key, [
                "name": "Owner mail", "type": "email", "config": ["to_owner": true], "events": ["lead.assigned"],
            ])
            let response = try await app.request(.post, "/v1/channels/\(channel)/test", key: key)
            expectProblem(response, .conflict, slug: "conflict")
            #expect((try response.json()["detail"] as? String)?.contains("to_owner") == true, "\(response.text)")
            #expect(try await Self.pingEvents(app) == 0)
        }
    }

    @Test("Idempotency-Key: a repeated test replays the same delivery and sends one ping")
    func idempotent() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let channel = try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned"],
            ])
            let headers: HTTPFields = [idempotencyKey: "test-1"]
            let first = try await app.request(.post, "/v1/channels/\(channel)/test", key: key, headers: headers)
            let again = try await app.request(.post, "/v1/channels/\(channel)/test", key: key, headers: headers)
            #expect(first.status == .accepted && again.status == .accepted)
            #expect(again.headers[idempotentReplayed] == "true")
            #expect(again.text == first.text)
            #expect(try await Self.pingEvents(app) == 1)
            #expect(try await app.list("/v1/deliveries", key: key).count == 1)
        }
    }

    @Test("ping is no subscription and no lead event: refused in `events`, absent from the event log")
    func notSubscribable() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let refused = try await app.request(.post, "/v1/channels", key: key, json: jsonBody([
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned", "ping"],
            ]))
            try expectValidation(refused, fields: ["events[1]"])
            let channel = try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned"],
            ])
            #expect(try await app.request(.post, "/v1/channels/\(channel)/test", key: key).status == .accepted)
            #expect(try await app.list("/v1/events", key: key).isEmpty)
            try expectValidation(try await app.request(.get, "/v1/events?type=ping", key: key), fields: ["type"])
            #expect(try await app.list("/v1/deliveries?channel_id=\(channel)", key: key).first?["event_type"] as? String == "ping")
        }
    }
}
