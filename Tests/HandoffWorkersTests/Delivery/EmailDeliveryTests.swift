@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import Testing

/// E-mail channels through the dispatcher to a real SMTP server (aiosmtpd).
@Suite("Delivery by e-mail")
struct EmailDeliveryTests {
    func smtp(_ sink: SMTPSink) throws -> SMTPConfiguration {
        try SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)", from: "Handoff Alerts <alerts@handoff.test>")
    }

    @Test("an e-mail to the channel's list and one to the lead's owner arrive with the event's subject and body")
    func delivered() async throws {
        try await DeliveryHarness.run { h in
            try await SMTPSink.with { sink in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let listChannel = try await h.insertChannel(tenantID: tenant, type: .email, config: ChannelConfig(to: ["ops@example.com", "sales@example.com"]))
                let ownerChannel = try await h.insertChannel(tenantID: tenant, type: .email, config: ChannelConfig(toOwner: true))
                let (event, toList) = try await h.queue(.slaBreached, tenantID: tenant, channelID: listChannel, due: clock.now)
                let toOwner = try await h.insertDelivery(tenantID: tenant, eventID: event.id, channelID: ownerChannel, due: clock.now)

                let settings = testDeliverySettings(clock: clock, smtp: try smtp(sink))
                try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: toList, status: "delivered")
                    try await h.waitFor(tenantID: tenant, deliveryID: toOwner, status: "delivered")
                }
                var messages = [try await sink.nextMessage(), try await sink.nextMessage()]
                messages.sort { $0.rcptTos.count > $1.rcptTos.count }
                let content = LeadEmailContent(event: event, now: clock.now)
                #expect(messages[0].rcptTos == ["ops@example.com", "sales@example.com"])
                #expect(messages[1].rcptTos == ["anna@example.com"])
                #expect(messages[1].to == "Anna Schmidt <anna@example.com>")
                for message in messages {
                    #expect(message.mailFrom == "alerts@handoff.test")
                    #expect(message.subject == content.subject)
                    #expect(message.body.replacingOccurrences(of: "\r\n", with: "\n").hasPrefix(String(content.body.prefix(40))))
                    #expect(message.body.contains("Jürgen Müller"))
                }
                // The Message-ID is the delivery's, the same on a resend.
                let raw = String(decoding: try #require(Data(base64Encoded: messages[1].raw)), as: UTF8.self)
                #expect(raw.contains("Message-ID: <\(toOwner.uuidString.lowercased())@handoff.test>"))

                let attempts = try await h.attempts(tenantID: tenant, deliveryID: toList)
                #expect(attempts.count == 1)
                #expect(attempts.first?.statusCode == nil)
                #expect(attempts.first?.error == nil)
            }
        }
    }

    @Test("without HANDOFF_SMTP_URL an e-mail delivery fails at once, saying what to set")
    func notConfigured() async throws {
        try await DeliveryHarness.run { h in
            let tenant = try await h.insertTenant()
            let channel = try await h.insertChannel(tenantID: tenant, type: .email, config: ChannelConfig(to: ["ops@example.com"]))
            let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
            let row = try await withDispatchers(database: h.database, settings: testDeliverySettings(smtp: nil)) { _ in
                try await h.waitFor(tenantID: tenant, deliveryID: delivery)
            }
            #expect(row.status == "failed")
            #expect(row.lastError?.hasPrefix("e-mail is not configured: set HANDOFF_SMTP_URL") == true)
            #expect(try await h.attempts(tenantID: tenant, deliveryID: delivery).count == 1)
        }
    }

    @Test("a recipient the server refuses (5xx) and an owner-less event fail at once; nothing is retried")
    func permanentFailures() async throws {
        try await DeliveryHarness.run { h in
            try await SMTPSink.with(SMTPSink.Options(refuse: ["nobody@example.com"])) { sink in
                let tenant = try await h.insertTenant()
                let refused = try await h.insertChannel(tenantID: tenant, type: .email, config: ChannelConfig(to: ["nobody@example.com"]))
                let ownerChannel = try await h.insertChannel(tenantID: tenant, type: .email, config: ChannelConfig(toOwner: true))
                let (_, refusedDelivery) = try await h.queue(tenantID: tenant, channelID: refused)
                let unassigned = DeliveryTestEvents.event(.leadUnassigned, tenantID: tenant, withOwner: false)
                try await h.insertEvent(unassigned)
                let ownerless = try await h.insertDelivery(tenantID: tenant, eventID: unassigned.id, channelID: ownerChannel)

                try await withDispatchers(database: h.database, settings: testDeliverySettings(smtp: try smtp(sink))) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: refusedDelivery)
                    try await h.waitFor(tenantID: tenant, deliveryID: ownerless)
                }
                let refusedRow = try await h.delivery(tenantID: tenant, id: refusedDelivery)
                #expect(refusedRow.status == "failed")
                #expect(refusedRow.lastError?.contains("refused recipient nobody@example.com") == true)
                #expect(refusedRow.lastError?.contains("550") == true)
                let ownerlessRow = try await h.delivery(tenantID: tenant, id: ownerless)
                #expect(ownerlessRow.status == "failed")
                #expect(ownerlessRow.lastError == "the channel sends to the lead's owner (`to_owner`), but this lead.unassigned event has no owner")
                #expect(sink.pendingCount == 0)
            }
        }
    }
}
