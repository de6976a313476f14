import Foundation

/// A stored routing rule: the rule the router evaluates, plus the funnel it is
/// limited to.
public struct RoutingRuleConfig: ConfigRecord {
    public static let kind = ConfigKind.routingRule

    public var id: UUID
    public var name: String
    /// Only leads of this funnel; every funnel when nil.
    public var funnelID: UUID?
    public var position: Int
    public var conditions: [Condition]
    public var assign: Assignment
    public var slaPolicyID: UUID?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, position, conditions, assign
        case funnelID = "funnel_id", slaPolicyID = "sla_policy_id", createdAt = "created_at", updatedAt = "updated_at"
    }

    public static let maxPosition = 1_000_000

    public var rule: RoutingRule {
        RoutingRule(id: id, name: name, position: position, conditions: conditions, assign: assign, slaPolicyID: slaPolicyID)
    }

    public var references: [ConfigReference] {
        var references: [ConfigReference] = []
        if let funnelID { references.append(.init(field: "funnel_id", kind: .funnel, id: funnelID)) }
        if let owner = assign.ownerID { references.append(.init(field: "assign.owner_id", kind: .owner, id: owner)) }
        if let team = assign.teamID { references.append(.init(field: "assign.team_id", kind: .team, id: team)) }
        if let slaPolicyID { references.append(.init(field: "sla_policy_id", kind: .slaPolicy, id: slaPolicyID)) }
        return references
    }
}

public struct RoutingRuleConfigInput: Decodable, Sendable {
    public struct AssignInput: Decodable, Sendable {
        public var strategy: String?
        public var ownerID: UUID?
        public var teamID: UUID?
        public var attribute: String?

        enum CodingKeys: String, CodingKey {
            case strategy, attribute
            case ownerID = "owner_id", teamID = "team_id"
        }
    }

    public var name: Patch<String>
    public var funnelID: Patch<UUID>
    public var position: Patch<Int>
    public var conditions: Patch<[ConditionInput]>
    public var assign: Patch<AssignInput>
    public var slaPolicyID: Patch<UUID>

    enum CodingKeys: String, CodingKey {
        case name, position, conditions, assign
        case funnelID = "funnel_id", slaPolicyID = "sla_policy_id"
    }
}

extension RoutingRuleConfig {
    public static func make(from input: RoutingRuleConfigInput, existing: RoutingRuleConfig?, id: UUID, now: Date) -> Result<RoutingRuleConfig, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let position = v.required(input.position, current: existing?.position, "position")
        if let position { v.check((0...maxPosition).contains(position), "position", "must be between 0 and \(maxPosition)") }
        var conditions = existing?.conditions ?? []
        if case .absent = input.conditions {} else {
            switch Condition.parseAll(input.conditions.value) {
            case .success(let parsed): conditions = parsed
            case .failure(let failure): failure.errors.forEach { v.fail($0.field, $0.message) }
            }
        }
        var assign = existing?.assign
        switch input.assign {
        case .value(let raw):
            switch Assignment.parse(strategy: raw.strategy, ownerID: raw.ownerID, teamID: raw.teamID, attribute: raw.attribute) {
            case .success(let parsed): assign = parsed
            case .failure(let failure): failure.errors.forEach { v.fail($0.field, $0.message) }
            }
        case .null: v.fail("assign", "must not be null")
        case .absent: if assign == nil { v.fail("assign", "is required") }
        }
        guard let name, let position, let assign, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(RoutingRuleConfig(
            id: existing?.id ?? id, name: name, funnelID: v.optional(input.funnelID, current: existing?.funnelID),
            position: position, conditions: conditions, assign: assign,
            slaPolicyID: v.optional(input.slaPolicyID, current: existing?.slaPolicyID),
            createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }
}
