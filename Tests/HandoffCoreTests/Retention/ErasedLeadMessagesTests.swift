import Foundation
import HandoffCore
import Testing

/// A delivery of an erased lead's event (retried after the erasure) carries
/// the scrubbed lead: the messages built from it say nothing about the
/// person and still read well.
@Suite("Messages about an erased lead")
struct ErasedLeadMessagesTests {
    static let now = DeliveryFixtures.createdAt

    static var erased: LeadSnapshot {
        var lead = DeliveryFixtures.lead(answers: [:])
        (lead.email, lead.name, lead.phone, lead.externalID, lead.attributes) = (nil, nil, nil, nil, [:])
        lead.erasedAt = DeliveryFixtures.createdAt.addingTimeInterval(60)
        return lead
    }

    @Test("Slack and e-mail name an erased lead as such, with no e-mail line")
    func messages() throws {
        let event = DeliveryFixtures.event(lead: Self.erased)
        let slack = SlackMessage(event: event, now: Self.now)
        let json = String(decoding: try JSONEncoder().encode(slack), as: UTF8.self)
        #expect(!json.contains("mailto:"))
        #expect(slack.text.contains("an erased lead"))
        let email = LeadEmailContent(event: event, now: Self.now)
        #expect(email.body.contains("an erased lead"))
        #expect(!email.body.contains("Email:"))
        for text in [json, email.subject, email.body] {
            for datum in ["juergen@example.de", "Jürgen", "hs-4711", "+49 176"] { #expect(!text.contains(datum), "\(datum)") }
        }
    }

    @Test("the tombstone round-trips with erased_at, and a lead never erased has no such key")
    func payload() throws {
        let json = String(decoding: try DeliveryFixtures.event(lead: Self.erased).encodedJSON(), as: UTF8.self)
        #expect(json.contains(#""erased_at":"2026-11-26T09:01:00.000Z""#))
        #expect(json.contains(#""email":null"#))
        let decoded = try HandoffEvent.decode(from: Array(json.utf8))
        #expect(decoded.data.lead == Self.erased)
        let plain = String(decoding: try DeliveryFixtures.event().encodedJSON(), as: UTF8.self)
        #expect(!plain.contains("erased_at"))
    }
}
