import Foundation

/// How fast a lead must get its first response, and what happens when it does not.
public struct SLAPolicy: ConfigRecord {
    public static let kind = ConfigKind.slaPolicy

    public var id: UUID
    public var name: String
    public var targetSeconds: Int
    public var calendarID: UUID?
    public var warnBeforeSeconds: Int?
    /// In the client's order; `afterSeconds` counts from the breach, and step numbers (1-based) follow this order.
    public var escalations: [EscalationStep]
    public var restartOnReassign: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, escalations
        case targetSeconds = "target_seconds", calendarID = "calendar_id", warnBeforeSeconds = "warn_before_seconds"
        case restartOnReassign = "restart_on_reassign", createdAt = "created_at", updatedAt = "updated_at"
    }

    /// Thirty days: beyond that a "response SLA" is a typo.
    public static let maxTargetSeconds = 30 * 86_400
    public static let maxEscalations = 10

    public var references: [ConfigReference] {
        var references = calendarID.map { [ConfigReference(field: "calendar_id", kind: .calendar, id: $0)] } ?? []
        for (index, step) in escalations.enumerated() {
            if let team = step.teamID { references.append(.init(field: "escalations[\(index)].team_id", kind: .team, id: team)) }
            if let owner = step.ownerID { references.append(.init(field: "escalations[\(index)].owner_id", kind: .owner, id: owner)) }
        }
        return references
    }
}

public struct EscalationStep: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// Fire `lead.escalated` to the subscribed channels, naming whom to tell.
        case notify
        /// Re-route the lead into `team_id` (or to `owner_id`).
        case reassign
    }

    public var afterSeconds: Int
    public var action: Action
    public var teamID: UUID?
    public var ownerID: UUID?

    enum CodingKeys: String, CodingKey {
        case action
        case afterSeconds = "after_seconds", teamID = "team_id", ownerID = "owner_id"
    }

    public init(afterSeconds: Int, action: Action, teamID: UUID? = nil, ownerID: UUID? = nil) {
        self.afterSeconds = afterSeconds
        self.action = action
        self.teamID = teamID
        self.ownerID = ownerID
    }
}

public struct SLAPolicyInput: Decodable, Sendable {
    public var name: Patch<String>
    public var targetSeconds: Patch<Int>
    public var calendarID: Patch<UUID>
    public var warnBeforeSeconds: Patch<Int>
    public var escalations: Patch<[EscalationStepInput]>
    public var restartOnReassign: Patch<Bool>

    enum CodingKeys: String, CodingKey {
        case name, escalations
        case targetSeconds = "target_seconds", calendarID = "calendar_id", warnBeforeSeconds = "warn_before_seconds"
        case restartOnReassign = "restart_on_reassign"
    }
}

public struct EscalationStepInput: Decodable, Sendable {
    public var afterSeconds: Int?
    public var action: String?
    public var teamID: UUID?
    public var ownerID: UUID?

    enum CodingKeys: String, CodingKey {
        case action
        case afterSeconds = "after_seconds", teamID = "team_id", ownerID = "owner_id"
    }
}

extension SLAPolicy {
    public static func make(from input: SLAPolicyInput, existing: SLAPolicy?, id: UUID, now: Date) -> Result<SLAPolicy, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let target = v.required(input.targetSeconds, current: existing?.targetSeconds, "target_seconds")
        if let target {
            v.check((1...maxTargetSeconds).contains(target), "target_seconds", "must be between 1 and \(maxTargetSeconds) (30 days)")
        }
        let warn = v.optional(input.warnBeforeSeconds, current: existing?.warnBeforeSeconds)
        if let warn {
            v.check(warn > 0 && warn < (target ?? .max), "warn_before_seconds", "must be at least 1 and less than target_seconds")
        }
        var steps: [EscalationStep] = []
        if let raw = input.escalations.value {
            v.check(raw.count <= maxEscalations, "escalations", "must have at most \(maxEscalations) steps")
            for (index, step) in raw.enumerated() {
                if let parsed = validateStep(step, at: "escalations[\(index)]", into: &v) { steps.append(parsed) }
            }
        } else if case .absent = input.escalations {
            steps = existing?.escalations ?? []
        }
        let restartOnReassign = v.defaulted(input.restartOnReassign, current: existing?.restartOnReassign, default: false, "restart_on_reassign")
        guard let name, let target, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(SLAPolicy(
            id: existing?.id ?? id, name: name, targetSeconds: target,
            calendarID: v.optional(input.calendarID, current: existing?.calendarID),
            warnBeforeSeconds: warn, escalations: steps,
            restartOnReassign: restartOnReassign,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }

    private static func validateStep(_ step: EscalationStepInput, at path: String, into v: inout Validator) -> EscalationStep? {
        let after = step.afterSeconds
        if let after {
            v.check((0...maxTargetSeconds).contains(after), "\(path).after_seconds", "must be between 0 and \(maxTargetSeconds) seconds after the breach")
        } else {
            v.fail("\(path).after_seconds", "is required")
        }
        let action = step.action.flatMap(EscalationStep.Action.init(rawValue:))
        if step.action == nil {
            v.fail("\(path).action", "is required")
        } else if action == nil {
            v.fail("\(path).action", "must be notify or reassign")
        }
        if action == .reassign {
            v.check((step.teamID == nil) != (step.ownerID == nil), "\(path).team_id", "a reassign step names exactly one of team_id or owner_id")
        }
        guard let after, let action else { return nil }
        return EscalationStep(afterSeconds: after, action: action, teamID: step.teamID, ownerID: step.ownerID)
    }
}
