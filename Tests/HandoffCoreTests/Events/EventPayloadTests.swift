import Foundation
import HandoffCore
import Testing

@Suite("Event payloads")
struct EventPayloadTests {
    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("the envelope and data carry exactly the documented keys")
    func shape() throws {
        let json = try object(DeliveryFixtures.event().encodedJSON())
        #expect(Set(json.keys) == ["id", "type", "created_at", "tenant_id", "data"])
        #expect(json["type"] as? String == "lead.assigned")
        #expect(json["created_at"] as? String == "2026-11-26T09:00:00.000Z")
        #expect(json["id"] as? String == "0193a1b2-c3d4-7e5f-8a9b-222222222222")
        #expect(json["tenant_id"] as? String == "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")

        let data = try #require(json["data"] as? [String: Any])
        #expect(Set(data.keys) == ["lead", "owner", "sla", "escalation", "late", "late_by_ms"])
        let lead = try #require(data["lead"] as? [String: Any])
        #expect(Set(lead.keys) == [
            "id", "funnel_id", "external_id", "email", "name", "phone", "score", "answers", "attributes",
            "status", "owner_id", "sla", "created_at",
        ])
        #expect(lead["score"] as? Double == 87)
        #expect(lead["status"] as? String == "assigned")
        #expect(lead["owner_id"] as? String == "0193a1b2-c3d4-7e5f-8a9b-333333333333")
        let answers = try #require(lead["answers"] as? [String: Any])
        #expect(answers.count == 4)
        #expect(answers["Tools in use"] as? [String] == ["HubSpot", "Slack"])

        let sla = try #require(data["sla"] as? [String: Any])
        #expect(Set(sla.keys) == [
            "policy_id", "state", "started_at", "due_at", "warned_at", "breached_at", "responded_at", "response_seconds",
        ])
        #expect(sla["due_at"] as? String == "2026-11-26T09:05:00.000Z")
        let owner = try #require(data["owner"] as? [String: Any])
        #expect(Set(owner.keys) == ["id", "name", "email", "slack_user_id", "phone", "timezone"])
    }

    @Test("absent values are explicit nulls, never missing keys")
    func explicitNulls() throws {
        let lead = DeliveryFixtures.lead(owner: nil, sla: SLASnapshot(policyID: nil, state: .none))
        let json = try object(DeliveryFixtures.event(.leadUnassigned, lead: lead, owner: nil).encodedJSON())
        let data = try #require(json["data"] as? [String: Any])
        for key in ["owner", "escalation", "late", "late_by_ms"] {
            #expect(data[key] is NSNull, "data.\(key)")
        }
        let leadJSON = try #require(data["lead"] as? [String: Any])
        #expect(leadJSON["owner_id"] is NSNull)
        let sla = try #require(data["sla"] as? [String: Any])
        for key in ["policy_id", "started_at", "due_at", "warned_at", "breached_at", "responded_at", "response_seconds"] {
            #expect(sla[key] is NSNull, "sla.\(key)")
        }
        let bareOwner = OwnerSnapshot(id: DeliveryFixtures.owner.id, name: "A", email: "a@b.c", timezone: "UTC")
        let assigned = try object(DeliveryFixtures.event(.leadAssigned, owner: bareOwner).encodedJSON())
        let ownerJSON = try #require((assigned["data"] as? [String: Any])?["owner"] as? [String: Any])
        #expect(ownerJSON["slack_user_id"] is NSNull)
        #expect(ownerJSON["phone"] is NSNull)
    }

    @Test("an escalation carries its step and both owners, and a late timer says by how much")
    func escalationAndLateness() throws {
        let from = UUID()
        let event = DeliveryFixtures.event(
            .leadEscalated,
            escalation: EscalationDetail(step: 2, action: .reassign, fromOwnerID: from, toOwnerID: DeliveryFixtures.ownerID),
            late: true, lateByMs: 1_500
        )
        let data = try #require(try object(event.encodedJSON())["data"] as? [String: Any])
        let escalation = try #require(data["escalation"] as? [String: Any])
        #expect(escalation["step"] as? Int == 2)
        #expect(escalation["action"] as? String == "reassign")
        #expect(escalation["from_owner_id"] as? String == from.uuidString.lowercased())
        #expect(data["late"] as? Bool == true)
        #expect(data["late_by_ms"] as? Int == 1_500)
    }

    @Test("decoding gives back the event; encoding twice gives the same bytes")
    func roundTrip() throws {
        var sla = DeliveryFixtures.sla(.met)
        sla.respondedAt = Date(timeIntervalSince1970: 1_795_683_792.123)
        sla.responseSeconds = 192
        let event = DeliveryFixtures.event(.leadResponded, lead: DeliveryFixtures.lead(sla: sla), late: false, lateByMs: 0)
        let bytes = try event.encodedJSON()
        #expect(try HandoffEvent.decode(from: bytes) == event)
        #expect(try event.encodedJSON() == bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"responded_at\":\"2026-11-26T09:03:12.123Z\""))
    }

    @Test("what the one writer stores reads back as the same event, every optional set and unset")
    func writtenBytesReadBack() throws {
        var answered = DeliveryFixtures.sla(.met)
        answered.warnedAt = Date(timeIntervalSince1970: 1_795_683_840.5)
        answered.breachedAt = Date(timeIntervalSince1970: 1_795_683_900)
        answered.respondedAt = Date(timeIntervalSince1970: 1_795_683_792.123)
        answered.responseSeconds = 192
        var bare = DeliveryFixtures.lead(answers: [:], owner: nil, sla: SLASnapshot(policyID: nil, state: .none))
        (bare.externalID, bare.name, bare.phone, bare.attributes, bare.score) = (nil, nil, nil, [:], -0.5)
        let nested = DeliveryFixtures.lead(answers: [
            "Q10": ["a": [1.5, .null, ["b": "\"quoted\"\n"]]], "q2": 1e20, "_": [], "ID": .string(UUID().uuidString),
        ])
        let events = [
            DeliveryFixtures.event(),
            DeliveryFixtures.event(.leadUnassigned, lead: bare, owner: nil),
            DeliveryFixtures.event(.leadAssigned, lead: nested, owner: OwnerSnapshot(id: UUID(), name: "B", email: "b@c.d", phone: "+1", timezone: "UTC")),
            DeliveryFixtures.event(
                .leadEscalated,
                escalation: EscalationDetail(step: 2, action: .reassign, fromOwnerID: UUID(), toOwnerID: DeliveryFixtures.ownerID),
                late: true, lateByMs: 1_500
            ),
            DeliveryFixtures.event(.leadEscalated, escalation: EscalationDetail(step: 1, action: .notify), late: false, lateByMs: 0),
            DeliveryFixtures.event(.leadResponded, lead: DeliveryFixtures.lead(sla: answered)),
        ]
        for event in events {
            let written = try event.encodedJSON()
            #expect(try HandoffEvent.decode(from: written) == event, "\(String(decoding: written, as: UTF8.self))")
            #expect(try object(written).keys.sorted() == ["created_at", "data", "id", "tenant_id", "type"])
        }
    }

    @Test("the event type names are the contract's")
    func typeNames() {
        #expect(EventType.allCases.map(\.rawValue) == [
            "lead.assigned", "lead.unassigned", "sla.warning", "sla.breached", "lead.escalated", "lead.responded",
        ])
    }

    @Test("a number JSON cannot carry is an encoding error, not a crash")
    func nonFinite() {
        let lead = DeliveryFixtures.lead(answers: ["x": .number(.nan)])
        #expect(throws: (any Error).self) { try DeliveryFixtures.event(lead: lead).encodedJSON() }
    }
}
