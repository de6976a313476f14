import Foundation

/// A quiz or scorecard whose submissions become leads.
public struct Funnel: ConfigRecord {
    public static let kind = ConfigKind.funnel

    public var id: UUID
    public var name: String
    public var qualifyMinScore: Double
    public var slaPolicyID: UUID
    public var fallbackOwnerID: UUID?
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, active
        case qualifyMinScore = "qualify_min_score", slaPolicyID = "sla_policy_id", fallbackOwnerID = "fallback_owner_id"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public var references: [ConfigReference] {
        var references = [ConfigReference(field: "sla_policy_id", kind: .slaPolicy, id: slaPolicyID)]
        if let fallbackOwnerID { references.append(.init(field: "fallback_owner_id", kind: .owner, id: fallbackOwnerID)) }
        return references
    }
}

public struct FunnelInput: Decodable, Sendable {
    public var name: Patch<String>
    public var qualifyMinScore: Patch<Double>
    public var slaPolicyID: Patch<UUID>
    public var fallbackOwnerID: Patch<UUID>
    public var active: Patch<Bool>

    enum CodingKeys: String, CodingKey {
        case name, active
        case qualifyMinScore = "qualify_min_score", slaPolicyID = "sla_policy_id", fallbackOwnerID = "fallback_owner_id"
    }
}

extension Funnel {
    public static func make(from input: FunnelInput, existing: Funnel?, id: UUID, now: Date) -> Result<Funnel, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let score = v.required(input.qualifyMinScore, current: existing?.qualifyMinScore, "qualify_min_score")
        if let score { v.check(score.isFinite && abs(score) <= 1_000_000, "qualify_min_score", "must be a number between -1000000 and 1000000") }
        let policy = v.required(input.slaPolicyID, current: existing?.slaPolicyID, "sla_policy_id")
        let active = v.defaulted(input.active, current: existing?.active, default: true, "active")
        guard let name, let score, let policy, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(Funnel(
            id: existing?.id ?? id, name: name, qualifyMinScore: score, slaPolicyID: policy,
            fallbackOwnerID: v.optional(input.fallbackOwnerID, current: existing?.fallbackOwnerID),
            active: active,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }
}
