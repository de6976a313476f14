@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import Testing

/// Intake and the dispatcher together, as `handoff serve` runs them: a lead
/// posted to the API reaches the tenant's webhook and Slack, woken by the
/// NOTIFY intake sends after its commit (the dispatcher's poll is an hour).
@Suite("Intake to delivery")
struct IntakeDeliveryTests {
    @Test("a lead posted to the API is delivered to the subscribed webhook and Slack, signed, with the lead in the payload")
    func leadReachesReceivers() async throws {
        try await TestApp.run(allowPrivateTargets: true) { app in
            try await HTTPReceiver.with { receiver in
                let (_, key) = try await app.createTenant("Acme")
                let owner = try await app.createID("/v1/owners", key: key, ["name": "Ana Schmidt", "email": "ana@example.com", "timezone": "Europe/Berlin"])
                let policy = try await app.createID("/v1/sla-policies", key: key, ["name": "Five minutes", "target_seconds": 300])
                let funnel = try await app.createID("/v1/funnels", key: key, ["name": "Demo", "qualify_min_score": 50, "sla_policy_id": policy])
                _ = try await app.createID("/v1/routing-rules", key: key, [
                    "name": "Everyone to Ana", "funnel_id": funnel, "position": 1, "conditions": [],
                    "assign": ["strategy": "owner", "owner_id": owner],
                ])
                let webhook = try await app.create("/v1/channels", key: key, json: jsonBody([
                    "name": "CRM", "type": "webhook", "config": ["url": receiver.url("/crm")], "events": ["lead.assigned"],
                ]))
                let secretText = try #require(webhook["secret"] as? String)
                let secret = try #require(WebhookSecret(secretText))
                _ = try await app.createID("/v1/channels", key: key, [
                    "name": "Slack", "type": "slack", "config": ["webhook_url": receiver.url("/slack")], "events": ["lead.assigned"],
                ])
                _ = try await app.createID("/v1/channels", key: key, [
                    "name": "Breaches only", "type": "webhook", "config": ["url": receiver.url("/breaches")], "events": ["sla.breached"],
                ])

                let listening = ListeningFlag()
                var settings = testDeliverySettings(pollInterval: .seconds(3600), onListening: { listening.set() })
                settings.secretKey = app.dependencies.secretKey  // the API stored the secret sealed with it
                try await withDispatchers(database: app.database, settings: settings) { _ in
                    try await listening.wait()
                    let lead = try await app.create("/v1/leads", key: key, json: jsonBody([
                        "funnel_id": funnel, "email": "max@example.de", "name": "Max Mustermann", "score": 86,
                        "answers": ["team_size": "50-200"], "attributes": ["country": "DE"],
                    ]))
                    let leadID = try #require(lead["id"] as? String)
                    let requests = try await receiver.waitForRequests(2)
                    #expect(Set(requests.map(\.path)) == ["/crm", "/slack"])

                    let hook = try #require(requests.first { $0.path == "/crm" })
                    try WebhookVerifier(secret: secret).verify(body: hook.body, headers: hook.headerDictionary, now: Date())
                    let event = try HandoffEvent.decode(from: hook.body)
                    #expect(event.type == .leadAssigned)
                    #expect(event.data.lead.id.uuidString.lowercased() == leadID)
                    #expect(event.data.owner?.email == "ana@example.com")
                    #expect(hook.header("webhook-id") == event.id.uuidString.lowercased())

                    let slack = try #require(requests.first { $0.path == "/slack" })
                    #expect(slack.text.contains("Max Mustermann"))

                    // The log shows both as delivered once the attempts are recorded.
                    let deadline = ContinuousClock.now + .seconds(60)
                    var statuses: [String] = []
                    while ContinuousClock.now < deadline {
                        statuses = try await app.list("/v1/deliveries?event_id=\(event.id.uuidString.lowercased())", key: key).compactMap { $0["status"] as? String }
                        if statuses == ["delivered", "delivered"] { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(statuses == ["delivered", "delivered"])
                }
                #expect(receiver.requests.count == 2)
            }
        }
    }
}
