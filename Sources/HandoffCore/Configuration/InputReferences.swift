import Foundation

/// The ids a create or PATCH body names, read before validation, so a body
/// with both a bad field and an unknown reference hears about both at once.
public protocol ReferencingInput: Sendable {
    var references: [ConfigReference] { get }
}

extension OwnerInput: ReferencingInput {
    public var references: [ConfigReference] {
        calendarID.value.map { [ConfigReference(field: "calendar_id", kind: .calendar, id: $0)] } ?? []
    }
}

extension TeamInput: ReferencingInput {
    public var references: [ConfigReference] {
        (memberIDs.value ?? []).enumerated().map { ConfigReference(field: "member_ids[\($0.offset)]", kind: .owner, id: $0.element) }
    }
}

extension CalendarConfigInput: ReferencingInput {
    public var references: [ConfigReference] { [] }
}

extension SLAPolicyInput: ReferencingInput {
    public var references: [ConfigReference] {
        var references = calendarID.value.map { [ConfigReference(field: "calendar_id", kind: .calendar, id: $0)] } ?? []
        for (index, step) in (escalations.value ?? []).enumerated() {
            if let team = step.teamID { references.append(.init(field: "escalations[\(index)].team_id", kind: .team, id: team)) }
            if let owner = step.ownerID { references.append(.init(field: "escalations[\(index)].owner_id", kind: .owner, id: owner)) }
        }
        return references
    }
}

extension FunnelInput: ReferencingInput {
    public var references: [ConfigReference] {
        var references: [ConfigReference] = []
        if let policy = slaPolicyID.value { references.append(.init(field: "sla_policy_id", kind: .slaPolicy, id: policy)) }
        if let owner = fallbackOwnerID.value { references.append(.init(field: "fallback_owner_id", kind: .owner, id: owner)) }
        return references
    }
}

extension RoutingRuleConfigInput: ReferencingInput {
    public var references: [ConfigReference] {
        var references: [ConfigReference] = []
        if let funnel = funnelID.value { references.append(.init(field: "funnel_id", kind: .funnel, id: funnel)) }
        if let owner = assign.value?.ownerID { references.append(.init(field: "assign.owner_id", kind: .owner, id: owner)) }
        if let team = assign.value?.teamID { references.append(.init(field: "assign.team_id", kind: .team, id: team)) }
        if let policy = slaPolicyID.value { references.append(.init(field: "sla_policy_id", kind: .slaPolicy, id: policy)) }
        return references
    }
}

extension ChannelInput: ReferencingInput {
    public var references: [ConfigReference] { [] }
}
