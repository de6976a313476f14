import Foundation
import HandoffCore
import HandoffOpenAPI
import OpenAPIRuntime

// A lead on the wire, mapped field by field. Every other record goes through
// `wire(_:)` (encode Core's value to JSON, decode the generated type from it);
// the lead endpoints answer with leads, and that round trip through JSON showed
// in the API's CPU per lead when intake still answered this way (it now
// writes its 201 itself: `LeadIntakeRoute`). `LeadWireTests` holds both ways equal.

extension LeadSnapshot {
    /// The lead as the API answers with it (`POST /v1/leads`' 201): the event
    /// payload's keys, with the API's rules for UUID literals and whole numbers,
    /// so that it reads as `GET /v1/leads/{id}` prints the same lead.
    /// `LeadIntakeRouteTests` hold it byte for byte equal to the generated
    /// layer's encoding, and `LeadWireTests` the mapping below to it.
    func apiJSON() throws -> [UInt8] {
        var writer = JSONWriter(lowercasingUUIDs: true, wholeNumbersAsIntegers: true, capacity: 1024)
        try write(to: &writer)
        return writer.bytes
    }
}

extension Components.Schemas.Lead {
    init(_ lead: LeadSnapshot) throws {
        self.init(
            id: lead.id.lowercasedString, funnelId: lead.funnelID.lowercasedString, externalId: .init(lead.externalID),
            email: .init(lead.email), name: .init(lead.name), phone: .init(lead.phone), score: lead.score,
            answers: .init(additionalProperties: try OpenAPIObjectContainer(lead.answers)),
            attributes: .init(additionalProperties: try OpenAPIObjectContainer(lead.attributes)),
            status: Components.Schemas.LeadStatus(rawValue: lead.status.rawValue)!,
            ownerId: .init(lead.ownerID?.lowercasedString), sla: .init(lead.sla), createdAt: lead.createdAt,
            erasedAt: lead.erasedAt
        )
    }
}

extension Components.Schemas.Sla {
    init(_ sla: SLASnapshot) {
        self.init(
            policyId: .init(sla.policyID?.lowercasedString), state: Components.Schemas.SLAState(rawValue: sla.state.rawValue)!,
            startedAt: .init(sla.startedAt), dueAt: .init(sla.dueAt), warnedAt: .init(sla.warnedAt),
            breachedAt: .init(sla.breachedAt), respondedAt: .init(sla.respondedAt), responseSeconds: .init(sla.responseSeconds)
        )
    }
}

extension OpenAPIObjectContainer {
    /// The object as the generated decoder would read `WireJSON.encode(object)` back.
    init(_ object: [String: JSONValue]) throws {
        try self.init(unvalidatedValue: JSONValue.openAPIObject(object))
    }
}

extension JSONValue {
    /// What OpenAPIRuntime's decoder makes of this value's JSON: a whole number
    /// below 1e16 reads back as an Int (`JSONValue.apiInteger`), and a UUID
    /// literal in any case reads back lowercased (`WireJSON`).
    fileprivate var openAPIValue: (any Sendable)? {
        switch self {
        case .string(let text): WireJSON.lowercasingUUID(text)
        case .number(let number): JSONValue.apiInteger(number).map { $0 as any Sendable } ?? number
        case .bool(let flag): flag
        case .null: nil
        case .array(let items): items.map(\.openAPIValue)
        case .object(let members): Self.openAPIObject(members)
        }
    }

    /// Keys are strings too: a UUID literal among them reads back lowercased.
    fileprivate static func openAPIObject(_ members: [String: JSONValue]) -> [String: (any Sendable)?] {
        Dictionary(members.map { (WireJSON.lowercasingUUID($0.key), $0.value.openAPIValue) }, uniquingKeysWith: { first, _ in first })
    }
}
