import Foundation

/// A pool of owners that round robin, territory and least-loaded rules draw from.
public struct Team: ConfigRecord {
    public static let kind = ConfigKind.team

    public var id: UUID
    public var name: String
    /// In rotation order.
    public var memberIDs: [UUID]
    /// Round-robin weight per member id (lowercased); members not named weigh 1.
    public var weights: [String: Int]
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, weights
        case memberIDs = "member_ids", createdAt = "created_at", updatedAt = "updated_at"
    }

    public static let maxMembers = 500
    public static let maxWeight = 100

    public var references: [ConfigReference] {
        memberIDs.enumerated().map { ConfigReference(field: "member_ids[\($0.offset)]", kind: .owner, id: $0.element) }
    }

    public func weight(of member: UUID) -> Int {
        weights[member.lowercasedString] ?? 1
    }
}

public struct TeamInput: Decodable, Sendable {
    public var name: Patch<String>
    public var memberIDs: Patch<[UUID]>
    public var weights: Patch<[String: Int]>

    enum CodingKeys: String, CodingKey {
        case name, weights
        case memberIDs = "member_ids"
    }
}

extension Team {
    public static func make(from input: TeamInput, existing: Team?, id: UUID, now: Date) -> Result<Team, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let members = v.defaulted(input.memberIDs, current: existing?.memberIDs, default: [], "member_ids")
        v.check(members.count <= maxMembers, "member_ids", "must have at most \(maxMembers) members")
        var seen = Set<UUID>()
        for (index, member) in members.enumerated() where !seen.insert(member).inserted {
            v.fail("member_ids[\(index)]", "names an owner already in the team")
        }
        // Weights of members who left the team are dropped, not kept dangling.
        var weights: [String: Int] = [:]
        let memberKeys = Set(members.map { $0.lowercasedString })
        let newWeights = input.weights.value
        for (key, weight) in v.defaulted(input.weights, current: existing?.weights, default: [:], "weights").sorted(by: { $0.key < $1.key }) {
            let normalized = UUID(uuidString: key)?.lowercasedString
            guard let normalized, memberKeys.contains(normalized) else {
                if newWeights != nil { v.fail("weights.\(key)", "is not a member of the team") }
                continue
            }
            v.check((1...maxWeight).contains(weight), "weights.\(key)", "must be between 1 and \(maxWeight)")
            weights[normalized] = weight
        }
        guard let name, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(Team(
            id: existing?.id ?? id, name: name, memberIDs: members, weights: weights,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }
}
