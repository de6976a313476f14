import Foundation

/// A person leads go to.
public struct Owner: ConfigRecord {
    public static let kind = ConfigKind.owner

    public var id: UUID
    public var name: String
    public var email: String
    public var slackUserID: String?
    public var phone: String?
    public var timezone: String
    public var territories: [String]
    public var active: Bool
    public var maxOpenLeads: Int?
    public var awayUntil: Date?
    public var calendarID: UUID?
    /// Far above any person's desk; below the column's 32-bit range, which
    /// answered a larger value with a 500 (found by scripts/fuzz).
    public static let maxOpenLeadsLimit = 1_000_000

    /// Maintained by intake and responses; read-only through the API.
    public var openLeads: Int
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, email, phone, timezone, territories, active
        case slackUserID = "slack_user_id", maxOpenLeads = "max_open_leads", awayUntil = "away_until"
        case calendarID = "calendar_id", openLeads = "open_leads", createdAt = "created_at", updatedAt = "updated_at"
    }

    public var references: [ConfigReference] {
        calendarID.map { [ConfigReference(field: "calendar_id", kind: .calendar, id: $0)] } ?? []
    }
}

/// A create or PATCH body for an owner.
public struct OwnerInput: Decodable, Sendable {
    public var name: Patch<String>
    public var email: Patch<String>
    public var slackUserID: Patch<String>
    public var phone: Patch<String>
    public var timezone: Patch<String>
    public var territories: Patch<[String]>
    public var active: Patch<Bool>
    public var maxOpenLeads: Patch<Int>
    public var awayUntil: Patch<Date>
    public var calendarID: Patch<UUID>

    enum CodingKeys: String, CodingKey {
        case name, email, phone, timezone, territories, active
        case slackUserID = "slack_user_id", maxOpenLeads = "max_open_leads", awayUntil = "away_until", calendarID = "calendar_id"
    }
}

extension Owner {
    /// The owner a body describes: a new one, or `existing` with the body merged in.
    public static func make(from input: OwnerInput, existing: Owner?, id: UUID, now: Date) -> Result<Owner, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let email = v.required(input.email, current: existing?.email, "email").flatMap { v.email($0, "email") }
        let slackUserID = v.optionalText(v.optional(input.slackUserID, current: existing?.slackUserID), "slack_user_id", maxLength: 40)
        if let slackUserID {
            v.check(slackUserID.allSatisfy { $0.isLetter || $0.isNumber }, "slack_user_id", "must be a Slack member id like U024BE7LH")
        }
        let phone = v.optional(input.phone, current: existing?.phone)
        if let phone { v.check(FieldRules.isPhone(phone), "phone", "must be a phone number like +49 30 1234567") }
        let timezone = v.defaulted(input.timezone, current: existing?.timezone, default: "UTC", "timezone")
        v.timeZone(timezone, "timezone")
        var territories: [String] = []
        for (index, raw) in v.defaulted(input.territories, current: existing?.territories, default: [], "territories").enumerated() {
            if let territory = v.name(raw, "territories[\(index)]", maxLength: 64), !territories.contains(territory) {
                territories.append(territory)
            }
        }
        let maxOpenLeads = v.optional(input.maxOpenLeads, current: existing?.maxOpenLeads)
        if let maxOpenLeads {
            v.check((1...maxOpenLeadsLimit).contains(maxOpenLeads), "max_open_leads", "must be between 1 and \(maxOpenLeadsLimit)")
        }
        let active = v.defaulted(input.active, current: existing?.active, default: true, "active")
        guard let name, let email, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(Owner(
            id: existing?.id ?? id, name: name, email: email, slackUserID: slackUserID, phone: phone,
            timezone: timezone, territories: territories,
            active: active,
            maxOpenLeads: maxOpenLeads, awayUntil: v.optional(input.awayUntil, current: existing?.awayUntil),
            calendarID: v.optional(input.calendarID, current: existing?.calendarID),
            openLeads: existing?.openLeads ?? 0, createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }
}
