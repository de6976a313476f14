import Foundation

/// What happened to a lead; the names are part of the public contract.
public enum EventType: String, Codable, Sendable, CaseIterable {
    case leadAssigned = "lead.assigned"
    case leadUnassigned = "lead.unassigned"
    case slaWarning = "sla.warning"
    case slaBreached = "sla.breached"
    case leadEscalated = "lead.escalated"
    case leadResponded = "lead.responded"
}

/// One event as webhooks carry it and `GET /v1/events` lists it:
/// `{id, type, created_at, tenant_id, data: {lead, owner, sla, …}}`.
///
/// The one writer of an event's JSON is `encodedJSON()` (EventPayload+JSON.swift):
/// every optional field present as an explicit `null` (clients index by key and
/// must not have to guess whether a missing key means null), ids lowercase like
/// the database's, timestamps RFC 3339 with milliseconds. Webhooks send those
/// bytes as stored, and `GET /v1/events` reads them into the generated types.
/// These types only decode: stored payloads and the leads the store selects.
public struct HandoffEvent: Decodable, Sendable, Equatable {
    public var id: UUID
    public var type: EventType
    public var createdAt: Date
    public var tenantID: UUID
    public var data: EventData

    public init(id: UUID, type: EventType, createdAt: Date, tenantID: UUID, data: EventData) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.tenantID = tenantID
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case id, type, data
        case createdAt = "created_at"
        case tenantID = "tenant_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        type = try container.decode(EventType.self, forKey: .type)
        createdAt = try container.decodeTimestamp(forKey: .createdAt)
        tenantID = try container.decode(UUID.self, forKey: .tenantID)
        data = try container.decode(EventData.self, forKey: .data)
    }

    private static let decoder = JSONDecoder()

    public static func decode(from json: some Collection<UInt8>) throws -> HandoffEvent {
        try decoder.decode(HandoffEvent.self, from: Data(json))
    }
}

/// `data` of an event. `escalation` is set only for `lead.escalated`; `late`
/// and `late_by_ms` only for events fired by a timer (warning, breach,
/// escalation), where `late` tells a consumer the instant was missed, e.g.
/// after a restart, and by how much.
public struct EventData: Decodable, Sendable, Equatable {
    public var lead: LeadSnapshot
    /// Nil for `lead.unassigned`.
    public var owner: OwnerSnapshot?
    public var sla: SLASnapshot
    public var escalation: EscalationDetail?
    public var late: Bool?
    public var lateByMs: Int?

    public init(
        lead: LeadSnapshot,
        owner: OwnerSnapshot?,
        sla: SLASnapshot? = nil,
        escalation: EscalationDetail? = nil,
        late: Bool? = nil,
        lateByMs: Int? = nil
    ) {
        self.lead = lead
        self.owner = owner
        self.sla = sla ?? lead.sla
        self.escalation = escalation
        self.late = late
        self.lateByMs = lateByMs
    }

    enum CodingKeys: String, CodingKey {
        case lead, owner, sla, escalation, late
        case lateByMs = "late_by_ms"
    }
}

/// The lead as it stood when the event fired, with every answer.
public struct LeadSnapshot: Decodable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case unqualified, unassigned, assigned, responded
    }

    public var id: UUID
    public var funnelID: UUID
    public var externalID: String?
    /// Nil once the lead is erased (and only then: intake requires it).
    public var email: String?
    public var name: String?
    public var phone: String?
    public var score: Double
    public var answers: [String: JSONValue]
    public var attributes: [String: JSONValue]
    public var status: Status
    public var ownerID: UUID?
    public var sla: SLASnapshot
    public var createdAt: Date
    /// When the lead's personal data was erased (`DELETE /v1/leads/{id}`);
    /// nil for every lead that was not. Only a tombstone carries the key.
    public var erasedAt: Date?

    public init(
        id: UUID,
        funnelID: UUID,
        externalID: String? = nil,
        email: String?,
        name: String? = nil,
        phone: String? = nil,
        score: Double,
        answers: [String: JSONValue],
        attributes: [String: JSONValue] = [:],
        status: Status,
        ownerID: UUID?,
        sla: SLASnapshot,
        createdAt: Date,
        erasedAt: Date? = nil
    ) {
        self.id = id
        self.funnelID = funnelID
        self.externalID = externalID
        self.email = email
        self.name = name
        self.phone = phone
        self.score = score
        self.answers = answers
        self.attributes = attributes
        self.status = status
        self.ownerID = ownerID
        self.sla = sla
        self.createdAt = createdAt
        self.erasedAt = erasedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name, phone, score, answers, attributes, status, sla
        case funnelID = "funnel_id"
        case externalID = "external_id"
        case ownerID = "owner_id"
        case createdAt = "created_at"
        case erasedAt = "erased_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        funnelID = try container.decode(UUID.self, forKey: .funnelID)
        externalID = try container.decodeIfPresent(String.self, forKey: .externalID)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        score = try container.decode(Double.self, forKey: .score)
        answers = try container.decodeIfPresent([String: JSONValue].self, forKey: .answers) ?? [:]
        attributes = try container.decodeIfPresent([String: JSONValue].self, forKey: .attributes) ?? [:]
        status = try container.decode(Status.self, forKey: .status)
        ownerID = try container.decodeIfPresent(UUID.self, forKey: .ownerID)
        sla = try container.decode(SLASnapshot.self, forKey: .sla)
        createdAt = try container.decodeTimestamp(forKey: .createdAt)
        erasedAt = try container.decodeTimestampIfPresent(forKey: .erasedAt)
    }

    /// How people refer to the lead: the name when given, else the email
    /// (an erased lead has neither: it is "an erased lead").
    public var displayName: String {
        if let name, !name.trimmingWhitespace().isEmpty { return name }
        return email ?? "an erased lead"
    }
}

/// The person the lead is with; `timezone` is an IANA identifier such as `Europe/Berlin`.
public struct OwnerSnapshot: Decodable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var email: String
    public var slackUserID: String?
    public var phone: String?
    public var timezone: String

    public init(id: UUID, name: String, email: String, slackUserID: String? = nil, phone: String? = nil, timezone: String) {
        self.id = id
        self.name = name
        self.email = email
        self.slackUserID = slackUserID
        self.phone = phone
        self.timezone = timezone
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, phone, timezone
        case slackUserID = "slack_user_id"
    }
}

/// The lead's clock at the moment of the event.
public struct SLASnapshot: Decodable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case running, met, breached, none
    }

    public var policyID: UUID?
    public var state: State
    public var startedAt: Date?
    public var dueAt: Date?
    public var warnedAt: Date?
    public var breachedAt: Date?
    public var respondedAt: Date?
    /// Business seconds from start to first response.
    public var responseSeconds: Int?

    public init(
        policyID: UUID?,
        state: State,
        startedAt: Date? = nil,
        dueAt: Date? = nil,
        warnedAt: Date? = nil,
        breachedAt: Date? = nil,
        respondedAt: Date? = nil,
        responseSeconds: Int? = nil
    ) {
        self.policyID = policyID
        self.state = state
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.warnedAt = warnedAt
        self.breachedAt = breachedAt
        self.respondedAt = respondedAt
        self.responseSeconds = responseSeconds
    }

    enum CodingKeys: String, CodingKey {
        case state
        case policyID = "policy_id"
        case startedAt = "started_at"
        case dueAt = "due_at"
        case warnedAt = "warned_at"
        case breachedAt = "breached_at"
        case respondedAt = "responded_at"
        case responseSeconds = "response_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policyID = try container.decodeIfPresent(UUID.self, forKey: .policyID)
        state = try container.decode(State.self, forKey: .state)
        startedAt = try container.decodeTimestampIfPresent(forKey: .startedAt)
        dueAt = try container.decodeTimestampIfPresent(forKey: .dueAt)
        warnedAt = try container.decodeTimestampIfPresent(forKey: .warnedAt)
        breachedAt = try container.decodeTimestampIfPresent(forKey: .breachedAt)
        respondedAt = try container.decodeTimestampIfPresent(forKey: .respondedAt)
        responseSeconds = try container.decodeIfPresent(Int.self, forKey: .responseSeconds)
    }
}

/// Which escalation step ran, for `lead.escalated`. `step` counts from 1 in
/// the policy's order; a `reassign` names both owners.
public struct EscalationDetail: Decodable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        case notify, reassign
    }

    public var step: Int
    public var action: Action
    public var fromOwnerID: UUID?
    public var toOwnerID: UUID?

    public init(step: Int, action: Action, fromOwnerID: UUID? = nil, toOwnerID: UUID? = nil) {
        self.step = step
        self.action = action
        self.fromOwnerID = fromOwnerID
        self.toOwnerID = toOwnerID
    }

    enum CodingKeys: String, CodingKey {
        case step, action
        case fromOwnerID = "from_owner_id"
        case toOwnerID = "to_owner_id"
    }
}

extension KeyedDecodingContainer {
    fileprivate func decodeTimestamp(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = RFC3339Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "Expected an RFC 3339 timestamp, got '\(text)'"
            )
        }
        return date
    }

    fileprivate func decodeTimestampIfPresent(forKey key: Key) throws -> Date? {
        guard contains(key), try decodeNil(forKey: key) == false else { return nil }
        return try decodeTimestamp(forKey: key)
    }
}
