@testable import HandoffTestSupport
import Foundation
import HandoffCore

/// A lead event with German text and several answers, for email end to end.
enum SMTPTestEvents {
    static func assigned() -> HandoffEvent {
        let createdAt = Date(timeIntervalSince1970: 1_795_683_600)
        let sla = SLASnapshot(
            policyID: UUID(), state: .running, startedAt: createdAt, dueAt: createdAt.addingTimeInterval(300)
        )
        let owner = OwnerSnapshot(id: UUID(), name: "Anna Schmidt", email: "anna@example.com", timezone: "Europe/Berlin")
        let lead = LeadSnapshot(
            id: UUID(), funnelID: UUID(), email: "juergen@example.de", name: "Jürgen Müller", phone: "+49 176 1234 5678",
            score: 87,
            answers: [
                "Größe des Teams": .number(12),
                "Budget": .string("10–50 k€"),
                "Welche Tools nutzen Sie?": .array([.string("HubSpot"), .string("Slack")]),
                "Notizen": .string("Bitte vormittags anrufen.\n.Danke"),
            ],
            attributes: ["country": .string("DE")],
            status: .assigned, ownerID: owner.id, sla: sla, createdAt: createdAt
        )
        return HandoffEvent(
            id: UUID(), type: .leadAssigned, createdAt: createdAt, tenantID: UUID(),
            data: EventData(lead: lead, owner: owner)
        )
    }
}
