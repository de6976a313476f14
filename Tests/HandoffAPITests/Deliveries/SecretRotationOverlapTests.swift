@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import Testing

/// `POST /v1/channels/{id}/rotate-secret` keeps the replaced secret signing
/// beside the new one for 24 hours: receivers that verify with either secret
/// accept every delivery in that window, and afterwards only the new one
/// does. Time is the injected clock's, the API's and the dispatcher's alike.
@Suite("Secret rotation overlap")
struct SecretRotationOverlapTests {
    static let day: TimeInterval = 24 * 60 * 60

    /// A webhook channel pointing at `receiver`; its id and first secret.
    static func webhook(_ app: TestApp, key: String, receiver: HTTPReceiver) async throws -> (id: String, secret: WebhookSecret) {
        let created = try await app.create("/v1/channels", key: key, json: jsonBody([
            "name": "CRM", "type": "webhook", "config": ["url": receiver.url("/crm")], "events": ["lead.assigned"],
        ]))
        return (try #require(created["id"] as? String), try #require(WebhookSecret(created["secret"] as? String ?? "")))
    }

    static func rotate(_ app: TestApp, key: String, _ id: String) async throws -> (secret: WebhookSecret, body: [String: Any]) {
        let response = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key)
        guard response.status == .ok else { throw TestFailure("rotate-secret answered \(response.status): \(response.text)") }
        let body = try response.json()
        return (try #require(WebhookSecret(body["secret"] as? String ?? "")), body)
    }

    /// Sends a ping through the dispatcher and returns what the receiver got.
    static func ping(_ app: TestApp, key: String, _ id: String, receiver: HTTPReceiver) async throws -> HTTPReceiver.Request {
        let before = receiver.requests.count
        let response = try await app.request(.post, "/v1/channels/\(id)/test", key: key)
        guard response.status == .accepted else { throw TestFailure("test answered \(response.status): \(response.text)") }
        return try await receiver.waitForRequests(before + 1)[before]
    }

    static func accepts(_ secret: WebhookSecret, _ request: HTTPReceiver.Request, now: Date) -> Bool {
        (try? WebhookVerifier(secret: secret).verify(body: request.body, headers: request.headerDictionary, now: now)) != nil
    }

    static func signatures(_ request: HTTPReceiver.Request) -> [String] {
        (request.header("webhook-signature") ?? "").split(separator: " ").map(String.init)
    }

    static func storedSecrets(_ app: TestApp, _ id: String) async throws -> (previous: String?, expiresAt: Date?) {
        let uuid = try #require(UUID(uuidString: id))
        let rows = try await app.database.client.query(
            "SELECT previous_secret, previous_secret_expires_at FROM channels WHERE id = \(uuid)", logger: TestDatabase.logger
        ).collect()
        let row = try #require(rows.first)
        return try row.decode((String?, Date?).self)
    }

    /// A tenant's webhook channel pointed at a loopback receiver, on a test
    /// clock that starts on a Wednesday morning.
    static func withWebhook(
        _ body: @escaping @Sendable (TestApp, TestClock, HTTPReceiver, _ key: String, _ id: String, _ secret: WebhookSecret) async throws -> Void
    ) async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(allowPrivateTargets: true, clock: clock.function) { app in
            try await HTTPReceiver.with { receiver in
                let (_, key) = try await app.createTenant()
                let (id, secret) = try await Self.webhook(app, key: key, receiver: receiver)
                try await body(app, clock, receiver, key, id, secret)
            }
        }
    }

    @Test("within 24 h receivers with the old and with the new secret both accept; from the 24th hour only the new one")
    func bothSignWithinTheWindow() async throws {
        try await Self.withWebhook { app, clock, receiver, key, id, old in
            let rotatedAt = clock.now
            let (new, body) = try await Self.rotate(app, key: key, id)
            #expect(body["previous_secret_expires_at"] as? String == RFC3339Timestamp.format(rotatedAt.addingTimeInterval(Self.day)))

            try await ChannelTestTests.withDispatcher(app, clock: clock) {
                clock.advance(by: Self.day - 1)
                let within = try await Self.ping(app, key: key, id, receiver: receiver)
                let pair = Self.signatures(within)
                #expect(pair.count == 2, "one header, two signatures: \(pair)")
                #expect(within.headers.filter { $0.name.lowercased() == "webhook-signature" }.count == 1)
                let timestamp = try #require(Int64(within.header("webhook-timestamp") ?? ""))
                let webhookID = try #require(within.header("webhook-id"))
                #expect(pair.first == WebhookSignature.sign(id: webhookID, timestamp: timestamp, body: within.body, secret: new), "the new secret's first")
                #expect(Self.accepts(old, within, now: clock.now), "a receiver not yet redeployed accepts")
                #expect(Self.accepts(new, within, now: clock.now), "a redeployed receiver accepts")

                clock.advance(by: 1)
                let after = try await Self.ping(app, key: key, id, receiver: receiver)
                #expect(Self.signatures(after).count == 1)
                #expect(Self.accepts(new, after, now: clock.now))
                #expect(!Self.accepts(old, after, now: clock.now), "the old secret stopped signing at the window's end")
            }
        }
    }

    @Test("rotating again within the window: the secret just replaced signs beside the newest, the first one stops at once")
    func rotatingTwice() async throws {
        try await Self.withWebhook { app, clock, receiver, key, id, first in
            let (second, _) = try await Self.rotate(app, key: key, id)
            clock.advance(by: 3600)
            let (third, body) = try await Self.rotate(app, key: key, id)
            #expect(body["previous_secret_expires_at"] as? String == RFC3339Timestamp.format(clock.now.addingTimeInterval(Self.day)),
                    "the window starts over")

            try await ChannelTestTests.withDispatcher(app, clock: clock) {
                let request = try await Self.ping(app, key: key, id, receiver: receiver)
                #expect(Self.signatures(request).count == 2)
                #expect(Self.accepts(third, request, now: clock.now))
                #expect(Self.accepts(second, request, now: clock.now))
                #expect(!Self.accepts(first, request, now: clock.now))

                // Past the first rotation's window, inside the second's: the second secret still signs.
                clock.advance(by: Self.day - 1800)
                let later = try await Self.ping(app, key: key, id, receiver: receiver)
                #expect(Self.accepts(second, later, now: clock.now))
                #expect(Self.accepts(third, later, now: clock.now))
            }
        }
    }

    @Test("the replaced secret is sealed at rest, never shown, and erased once its window is over")
    func sealedNeverShownErased() async throws {
        try await Self.withWebhook { app, clock, receiver, key, id, old in
            let rotatedAt = clock.now
            let (new, body) = try await Self.rotate(app, key: key, id)
            expectRecord(body, keys: ChannelsTests.keys + ["secret", "previous_secret_expires_at"])
            #expect(isRFC3339Millis(body["previous_secret_expires_at"]))
            #expect(!body.description.contains(old.text) && !body.description.contains(String(old.text.dropFirst(6))))

            let stored = try await Self.storedSecrets(app, id)
            let previous = try #require(stored.previous)
            #expect(SealedSecret.isSealed(previous))
            #expect(!previous.contains(String(old.text.dropFirst(6))))
            #expect(SealedSecret.open(previous, with: app.dependencies.secretKey) == old.text)
            #expect(sameInstant(stored.expiresAt, rotatedAt.addingTimeInterval(Self.day)))

            for path in ["/v1/channels/\(id)", "/v1/channels"] {
                let text = try await app.request(.get, path, key: key).text
                #expect(!text.contains("whsec_") && !text.contains("secret") && !text.contains("sealed:"), "\(path): \(text)")
            }
            let (_, reader) = try await app.createKey(adminKey: key, scopes: ["read"])
            #expect(!(try await app.request(.get, "/v1/channels/\(id)", key: reader).text.contains("secret")))

            let worker = RetentionWorker(database: app.database, settings: RetentionSettings(clock: clock.function), logger: TestDatabase.logger)
            #expect(try await worker.runOnce(now: rotatedAt.addingTimeInterval(Self.day - 1)).previousSecrets == 0)
            #expect(try await Self.storedSecrets(app, id).previous != nil, "kept while it signs")
            #expect(try await worker.runOnce(now: rotatedAt.addingTimeInterval(Self.day)).previousSecrets == 1)
            let erased = try await Self.storedSecrets(app, id)
            #expect(erased.previous == nil && erased.expiresAt == nil)

            // The current secret is untouched, and signs alone.
            clock.advance(by: Self.day)
            try await ChannelTestTests.withDispatcher(app, clock: clock) {
                let request = try await Self.ping(app, key: key, id, receiver: receiver)
                #expect(Self.signatures(request).count == 1)
                #expect(Self.accepts(new, request, now: clock.now))
            }
        }
    }

    @Test("a refused rotation (another type, another tenant) keeps no previous secret and changes nothing")
    func refusedRotationKeepsNothing() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let hook = try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "https://crm.example.com/hooks"], "events": ["lead.assigned"],
            ])
            let slack = try await app.createID("/v1/channels", key: key, [
                "name": "Sales", "type": "slack", "config": ["webhook_url": "https://hooks.slack.com/services/T0/B0/x"], "events": ["lead.assigned"],
            ])
            expectProblem(try await app.request(.post, "/v1/channels/\(hook)/rotate-secret", key: other), .notFound, slug: "not-found")
            expectProblem(try await app.request(.post, "/v1/channels/\(slack)/rotate-secret", key: key), .conflict)
            #expect(try await Self.storedSecrets(app, hook).previous == nil)
            #expect(try await Self.storedSecrets(app, slack).previous == nil)
        }
    }
}
