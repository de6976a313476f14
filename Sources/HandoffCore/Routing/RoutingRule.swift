import Foundation

/// How a matched rule picks an owner.
public enum Assignment: Sendable, Hashable {
    /// That owner.
    case owner(UUID)
    /// The team's members in weighted turns.
    case roundRobin(team: UUID)
    /// The team member whose territories include the lead's `attributes.<attribute>`.
    case territory(team: UUID, attribute: String)
    /// The team member with the fewest open leads.
    case leastLoaded(team: UUID)

    /// The API's name for the strategy: `owner`, `round_robin`, `territory`, `least_loaded`.
    public var strategy: String {
        switch self {
        case .owner: "owner"
        case .roundRobin: "round_robin"
        case .territory: "territory"
        case .leastLoaded: "least_loaded"
        }
    }

    public var ownerID: UUID? {
        if case .owner(let id) = self { return id }
        return nil
    }

    public var teamID: UUID? {
        switch self {
        case .owner: nil
        case .roundRobin(let team), .territory(let team, _), .leastLoaded(let team): team
        }
    }

    public static let strategies = ["owner", "round_robin", "territory", "least_loaded"]

    /// A client's `assign` object, every problem reported at `<path>.strategy`,
    /// `<path>.owner_id`, `<path>.team_id` or `<path>.attribute`. Ids a strategy does not
    /// use are refused rather than silently dropped, so a client never believes a team
    /// is in play when it is not. `attribute` may be written `country` or
    /// `attributes.country`.
    public static func parse(
        strategy: String?, ownerID: UUID?, teamID: UUID?, attribute: String?, path: String = "assign"
    ) -> Result<Assignment, ValidationFailure> {
        var validator = Validator()
        guard let strategy else {
            return .failure(ValidationFailure(errors: [FieldError(field: "\(path).strategy", message: "is required")]))
        }
        let usesOwner = strategy == "owner"
        let usesTeam = ["round_robin", "territory", "least_loaded"].contains(strategy)
        guard usesOwner || usesTeam else {
            return .failure(ValidationFailure(errors: [FieldError(
                field: "\(path).strategy", message: "must be one of \(strategies.joined(separator: ", "))"
            )]))
        }
        validator.check(!usesOwner || ownerID != nil, "\(path).owner_id", "is required for the owner strategy")
        validator.check(usesOwner || ownerID == nil, "\(path).owner_id", "is only used by the owner strategy; remove it")
        validator.check(!usesTeam || teamID != nil, "\(path).team_id", "is required for the \(strategy) strategy")
        validator.check(usesTeam || teamID == nil, "\(path).team_id", "is not used by the owner strategy; remove it")
        var key: String?
        if strategy == "territory" {
            key = territoryKey(attribute, path: "\(path).attribute", into: &validator)
        } else {
            validator.check(attribute == nil, "\(path).attribute", "is only used by the territory strategy; remove it")
        }
        guard validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        switch (strategy, ownerID, teamID, key) {
        case ("owner", let owner?, _, _): return .success(.owner(owner))
        case ("round_robin", _, let team?, _): return .success(.roundRobin(team: team))
        case ("least_loaded", _, let team?, _): return .success(.leastLoaded(team: team))
        case ("territory", _, let team?, let key?): return .success(.territory(team: team, attribute: key))
        default: return .failure(ValidationFailure(errors: [FieldError(field: path, message: "is incomplete")]))
        }
    }

    private static func territoryKey(_ raw: String?, path: String, into validator: inout Validator) -> String? {
        guard let raw else {
            validator.fail(path, "is required for the territory strategy: the attribute key to match, e.g. country")
            return nil
        }
        let key = raw.hasPrefix("attributes.") ? String(raw.dropFirst("attributes.".count)) : raw
        guard !key.trimmingWhitespace().isEmpty, key.codePointCount <= ConditionField.maxKeyLength else {
            validator.fail(path, "must name an attribute key of 1 to \(ConditionField.maxKeyLength) characters, e.g. country")
            return nil
        }
        return key
    }
}

extension Assignment: Codable {
    // The API's own shape, `{strategy, owner_id?, team_id?, attribute?}`, so a rule's
    // assignment can be stored as JSON and returned unchanged.
    private enum CodingKeys: String, CodingKey {
        case strategy
        case ownerID = "owner_id"
        case teamID = "team_id"
        case attribute
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let result = Assignment.parse(
            strategy: try container.decodeIfPresent(String.self, forKey: .strategy),
            ownerID: try container.decodeIfPresent(UUID.self, forKey: .ownerID),
            teamID: try container.decodeIfPresent(UUID.self, forKey: .teamID),
            attribute: try container.decodeIfPresent(String.self, forKey: .attribute)
        )
        switch result {
        case .success(let assignment): self = assignment
        case .failure(let failure):
            let reason = failure.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
            throw DecodingError.dataCorruptedError(forKey: .strategy, in: container, debugDescription: reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(strategy, forKey: .strategy)
        try container.encodeIfPresent(ownerID, forKey: .ownerID)
        try container.encodeIfPresent(teamID, forKey: .teamID)
        if case .territory(_, let attribute) = self {
            try container.encode(attribute, forKey: .attribute)
        }
    }
}

/// A routing rule as the router needs it: tried by ascending `position` (ties by id).
public struct RoutingRule: Sendable, Hashable, Codable, Identifiable {
    public var id: UUID
    public var name: String
    public var position: Int
    /// All must hold; an empty list always holds (a catch-all rule).
    public var conditions: [Condition]
    public var assign: Assignment
    /// Overrides the funnel's SLA policy for leads this rule matches.
    public var slaPolicyID: UUID?

    public init(id: UUID, name: String, position: Int, conditions: [Condition], assign: Assignment, slaPolicyID: UUID? = nil) {
        self.id = id
        self.name = name
        self.position = position
        self.conditions = conditions
        self.assign = assign
        self.slaPolicyID = slaPolicyID
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, position, conditions, assign
        case slaPolicyID = "sla_policy_id"
    }

    /// The order rules are tried in. Ids break ties so the order never depends on
    /// how the store happened to return rows.
    public static func evaluationOrder(_ lhs: RoutingRule, _ rhs: RoutingRule) -> Bool {
        if lhs.position != rhs.position { return lhs.position < rhs.position }
        return lhs.id.uuidString < rhs.id.uuidString
    }
}
