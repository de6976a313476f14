import Foundation
@testable import HandoffCore
import Testing

/// The channel test's event: its JSON, which channels can be tested, and the
/// short messages Slack and e-mail get instead of a lead alert.
@Suite("Channel test (ping) event")
struct PingEventTests {
    static let ping = PingEvent(
        id: UUID(uuidString: "0193A1C2-7D4E-7A10-9C3B-5F2E8D1A0B08")!,
        createdAt: Date(timeIntervalSince1970: 1_795_597_200.123),
        tenantID: UUID(uuidString: "0193A1C2-7D4E-7A10-9C3B-5F2E8D1A0B00")!,
        channel: .init(id: UUID(uuidString: "0193A1C2-7D4E-7A10-9C3B-5F2E8D1A0B07")!, name: "CRM \"prod\" <hook>", type: .webhook)
    )

    static func channel(_ type: NotificationChannel.Kind, _ config: ChannelConfig, active: Bool = true) -> NotificationChannel {
        NotificationChannel(
            id: .v7(), name: "Test", type: type, config: config, secret: nil, events: ["lead.assigned"], active: active,
            createdAt: Date(timeIntervalSince1970: 1_795_000_000), updatedAt: Date(timeIntervalSince1970: 1_795_000_000)
        )
    }

    @Test func theEnvelopeIsEveryEventsWithTheChannelInData() throws {
        let json = String(decoding: Self.ping.encodedJSON(), as: UTF8.self)
        #expect(json == #"{"created_at":"2026-11-25T09:00:00.123Z","data":{"channel":{"id":"0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b07","name":"CRM \"prod\" <hook>","type":"webhook"}},"id":"0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b08","tenant_id":"0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b00","type":"ping"}"#)
        #expect(PingEvent.decode(from: Self.ping.encodedJSON()) == Self.ping)
    }

    @Test func aLeadEventDoesNotReadAsAPing() {
        #expect(PingEvent.decode(from: Array(#"{"id":"0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b08","type":"lead.assigned"}"#.utf8)) == nil)
        #expect(PingEvent.decode(from: Array("not json".utf8)) == nil)
    }

    @Test func everyChannelCanBeTestedButAnEmailToTheLeadsOwnerWhichHasNobodyToWriteTo() throws {
        #expect(PingEvent.refusal(for: Self.channel(.webhook, ChannelConfig(url: "https://example.com/hook"))) == nil)
        #expect(PingEvent.refusal(for: Self.channel(.slack, ChannelConfig(webhookURL: "https://hooks.slack.com/x"))) == nil)
        #expect(PingEvent.refusal(for: Self.channel(.email, ChannelConfig(to: ["ops@example.com"]))) == nil)
        #expect(PingEvent.refusal(for: Self.channel(.webhook, ChannelConfig(url: "https://example.com/hook"), active: false)) == nil,
                "an inactive channel can be tested before it is switched on")
        let refusal = try #require(PingEvent.refusal(for: Self.channel(.email, ChannelConfig(toOwner: true))))
        #expect(refusal.contains("to_owner"))
    }

    @Test func pingIsADeliverysEventTypeButNotOneAChannelCanSubscribeTo() throws {
        #expect(DeliveryEventType(rawValue: "ping") == .ping)
        #expect(DeliveryEventType(rawValue: "sla.breached") == .event(.slaBreached))
        #expect(DeliveryEventType(rawValue: "lead.pinged") == nil)
        #expect(String(decoding: try JSONEncoder().encode([DeliveryEventType.ping, .event(.leadAssigned)]), as: UTF8.self) == #"["ping","lead.assigned"]"#)
        #expect(!NotificationChannel.eventTypes.contains("ping"))
    }

    @Test func slackGetsAShortTestMessageWithTheChannelsNameEscaped() throws {
        let message = SlackMessage(ping: Self.ping)
        #expect(message.text.hasPrefix("Handoff test message"))
        let json = String(decoding: try message.encodedJSON(), as: UTF8.self)
        #expect(json.contains("Handoff test message"))
        #expect(json.contains("CRM \\\"prod\\\" &lt;hook&gt;"), "\(json)")
        #expect(!json.contains("<hook>"))
        #expect(json.contains("0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b08"), "the event id, to find the delivery")
    }

    @Test func anEmailGetsAShortTestMail() {
        let content = LeadEmailContent(ping: Self.ping)
        #expect(content.subject == "Handoff test message: CRM \"prod\" <hook>")
        #expect(content.body.hasPrefix("This is a test message from Handoff."))
        #expect(content.body.contains("0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b08"))
    }
}
