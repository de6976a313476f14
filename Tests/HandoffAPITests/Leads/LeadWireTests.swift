@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffOpenAPI
import Testing
@testable import HandoffAPI

/// Leads are mapped to the wire type field by field (`LeadWire.swift`) instead of
/// through JSON like every other record; the mapping must give what the lead's
/// one JSON writer (`apiJSON()`, the 201 of intake) decodes to.
@Suite("Lead on the wire")
struct LeadWireTests {
    /// Whole milliseconds: the wire carries no finer time (`RFC3339Timestamp`).
    static let at = Date(timeIntervalSince1970: 1_800_000_000.123)

    static let full = LeadSnapshot(
        id: UUID(), funnelID: UUID(), externalID: "quiz-42", email: "ana@example.com", name: "Ana Müller", phone: "+49 30 1234",
        score: 87.5,
        answers: [
            "Team size?": 42, "Budget": 5000.25, "Negative": -3, "Huge": 1e20, "Tiny": 0.000001, "Zero": -0.0,
            "Interests": ["CRM", "Billing", 7, true, .null], "Nested": ["deep": ["deeper": "yes"], "empty": [:], "none": []],
            "Ready": false, "Nothing": .null, "Id": "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0F8FAD5B-D9CB-469F-A165-70867728950F": "a key that is a UUID", "Emoji": "🇩🇪 \"quoted\" \\ /",
        ],
        attributes: ["country": "DE", "employees": 120],
        status: .assigned, ownerID: UUID(),
        sla: SLASnapshot(
            policyID: UUID(), state: .breached, startedAt: at, dueAt: at.addingTimeInterval(300), warnedAt: at.addingTimeInterval(240),
            breachedAt: at.addingTimeInterval(300), respondedAt: at.addingTimeInterval(400), responseSeconds: 400
        ),
        createdAt: at
    )

    static let bare = LeadSnapshot(
        id: UUID(), funnelID: UUID(), email: "lead@example.com", score: 10, answers: [:], status: .unqualified, ownerID: nil,
        sla: SLASnapshot(policyID: nil, state: .none), createdAt: at
    )

    @Test("a full and a bare lead map as their JSON decodes", arguments: [full, bare])
    func sameAsThroughJSON(lead: LeadSnapshot) throws {
        let mapped = try Components.Schemas.Lead(lead)
        let decoded = try WireJSON.decode(Components.Schemas.Lead.self, from: Data(try lead.apiJSON()))
        #expect(mapped == decoded)
    }

    @Test("every status and SLA state has its wire value")
    func everyState() throws {
        for status in LeadSnapshot.Status.allCases {
            var lead = Self.bare
            lead.status = status
            #expect(try Components.Schemas.Lead(lead).status.rawValue == status.rawValue)
        }
        for state in SLASnapshot.State.allCases {
            #expect(Components.Schemas.Sla(SLASnapshot(policyID: nil, state: state)).state.rawValue == state.rawValue)
        }
    }
}
