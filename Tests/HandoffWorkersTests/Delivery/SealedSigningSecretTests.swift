@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import PostgresNIO
import Testing

/// Webhook signing secrets at rest: sealed with HANDOFF_SECRET_KEY, opened
/// only by the sender, and secrets stored before sealing sealed at start.
@Suite struct SealedSigningSecretTests {
    @Test func aSecretStoredInTheClearBeforeSealingIsSealedAtStartAndStillSigns() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let plain = WebhookSecret.generate()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/hook")), secret: plain.text)
                let key = SecretKey.generate()

                #expect(try await ChannelSecretStore(database: h.database).sealUnsealedSecrets(with: key) == 1)
                #expect(try await ChannelSecretStore(database: h.database).sealUnsealedSecrets(with: key) == 0, "sealed once")
                let stored = try await h.client.query("SELECT secret FROM channels WHERE id = \(channel)", logger: h.logger).collect()
                let text = try #require(try stored.first?.decode(String.self))
                #expect(SealedSecret.isSealed(text) && !text.contains(plain.text))

                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)
                var settings = testDeliverySettings(clock: clock)
                settings.secretKey = key
                let row = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery)
                }
                #expect(row.status == "delivered")
                let request = try #require(receiver.requests.first)
                try WebhookVerifier(secret: plain).verify(body: request.body, headers: request.headerDictionary, now: Date())
            }
        }
    }

    @Test func aWorkerWithAnotherSecretKeyFailsTheDeliveryWithAnErrorThatSaysSo() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let sealed = SealedSecret.seal(WebhookSecret.generate().text, with: SecretKey.generate())
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/hook")), secret: sealed)
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)
                var settings = testDeliverySettings(clock: clock)
                settings.secretKey = SecretKey.generate()
                let row = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery)
                }
                #expect(row.status == "failed")
                #expect(row.lastError?.contains("HANDOFF_SECRET_KEY") == true, "\(row.lastError ?? "")")
                #expect(receiver.requests.isEmpty, "nothing was sent unsigned")
            }
        }
    }
}
