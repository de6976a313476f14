import Foundation
import HandoffCore

/// Events for the delivery tests: one lead, due Thursday 26 Nov 2026 at
/// 09:05 UTC (10:05 in Berlin), owned by Anna in Europe/Berlin.
enum DeliveryFixtures {
    static let createdAt = Date(timeIntervalSince1970: 1_795_683_600)  // 2026-11-26T09:00:00Z
    static let dueAt = Date(timeIntervalSince1970: 1_795_683_900)  // 2026-11-26T09:05:00Z
    static let tenantID = UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B") ?? UUID()
    static let leadID = UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-111111111111") ?? UUID()
    static let eventID = UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-222222222222") ?? UUID()
    static let ownerID = UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-333333333333") ?? UUID()

    static let owner = OwnerSnapshot(
        id: ownerID, name: "Anna Schmidt", email: "anna@example.com", slackUserID: "U024BE7LH",
        phone: nil, timezone: "Europe/Berlin"
    )

    static func sla(_ state: SLASnapshot.State = .running) -> SLASnapshot {
        SLASnapshot(policyID: UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-444444444444"), state: state, startedAt: createdAt, dueAt: dueAt)
    }

    static func lead(answers: [String: JSONValue]? = nil, owner: OwnerSnapshot? = owner, sla: SLASnapshot = sla()) -> LeadSnapshot {
        LeadSnapshot(
            id: leadID,
            funnelID: UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-555555555555") ?? UUID(),
            externalID: "hs-4711",
            email: "juergen@example.de",
            name: "Jürgen Müller",
            phone: "+49 176 1234 5678",
            score: 87,
            answers: answers ?? [
                "Team size": .number(12),
                "Budget": .string("10–50 k€"),
                "Tools in use": .array([.string("HubSpot"), .string("Slack")]),
                "Decision maker?": .bool(true),
            ],
            attributes: ["country": .string("DE"), "utm_source": .string("linkedin")],
            status: owner == nil ? .unassigned : .assigned,
            ownerID: owner?.id,
            sla: sla,
            createdAt: createdAt
        )
    }

    static func event(
        _ type: EventType = .leadAssigned,
        lead: LeadSnapshot = lead(),
        owner: OwnerSnapshot? = owner,
        escalation: EscalationDetail? = nil,
        late: Bool? = nil,
        lateByMs: Int? = nil
    ) -> HandoffEvent {
        HandoffEvent(
            id: eventID, type: type, createdAt: createdAt, tenantID: tenantID,
            data: EventData(lead: lead, owner: owner, escalation: escalation, late: late, lateByMs: lateByMs)
        )
    }
}
