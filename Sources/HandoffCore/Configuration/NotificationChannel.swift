import Foundation

/// Where events go: a Slack incoming webhook, a signed webhook, or e-mail.
public struct NotificationChannel: ConfigRecord {
    public static let kind = ConfigKind.channel

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case slack, webhook, email
    }

    public var id: UUID
    public var name: String
    public var type: Kind
    public var config: ChannelConfig
    /// The webhook signing secret (`whsec_…`); never listed, shown on creation and rotation only.
    public var secret: String?
    public var events: [String]
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, type, config, secret, events, active
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public var references: [ConfigReference] { [] }

    /// The event types a channel can subscribe to (PRODUCT.md).
    public static let eventTypes = EventType.allCases.map(\.rawValue)
    public static let maxRecipients = 20
}

/// One shape for the three types; which fields apply depends on `type`.
public struct ChannelConfig: Codable, Sendable, Equatable {
    /// slack
    public var webhookURL: String?
    /// webhook
    public var url: String?
    /// email
    public var to: [String]?
    /// email: send to the lead's current owner
    public var toOwner: Bool?

    enum CodingKeys: String, CodingKey {
        case url, to
        case webhookURL = "webhook_url", toOwner = "to_owner"
    }

    public init(webhookURL: String? = nil, url: String? = nil, to: [String]? = nil, toOwner: Bool? = nil) {
        self.webhookURL = webhookURL
        self.url = url
        self.to = to
        self.toOwner = toOwner
    }
}

public struct ChannelInput: Decodable, Sendable {
    public var name: Patch<String>
    public var type: Patch<String>
    public var config: Patch<ChannelConfig>
    public var events: Patch<[String]>
    public var active: Patch<Bool>
}

extension NotificationChannel {
    /// `allowInsecureTargets` mirrors HANDOFF_WEBHOOK_ALLOW_PRIVATE: development
    /// and tests may name http receivers on loopback; production needs https.
    public static func make(
        from input: ChannelInput, existing: NotificationChannel?, id: UUID, now: Date,
        allowInsecureTargets: Bool, newSecret: () -> String
    ) -> Result<NotificationChannel, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        var type: Kind?
        switch input.type {
        case .value(let raw):
            type = Kind(rawValue: raw)
            if type == nil { v.fail("type", "must be slack, webhook or email") }
            if let existing, let type, type != existing.type {
                v.fail("type", "cannot change from \(existing.type.rawValue); create a new channel instead")
            }
        case .null: v.fail("type", "must not be null")
        case .absent:
            type = existing?.type
            if type == nil { v.fail("type", "is required") }
        }
        let config = v.required(input.config, current: existing?.config, "config")
        var normalized: ChannelConfig?
        if let type, let config {
            normalized = validate(config, for: type, allowInsecureTargets: allowInsecureTargets, into: &v)
        }
        let events = v.required(input.events, current: existing?.events, "events") ?? []
        if input.events.value?.isEmpty == true { v.fail("events", "must name at least one event type") }
        for (index, event) in events.enumerated() where !eventTypes.contains(event) {
            v.fail("events[\(index)]", "unknown event type '\(event)'; use \(eventTypes.joined(separator: ", "))")
        }
        let active = v.defaulted(input.active, current: existing?.active, default: true, "active")
        guard let name, let type, let normalized, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        var unique: [String] = []
        for event in events where !unique.contains(event) { unique.append(event) }
        return .success(NotificationChannel(
            id: existing?.id ?? id, name: name, type: type, config: normalized,
            secret: existing?.secret ?? (type == .webhook ? newSecret() : nil),
            events: unique, active: active,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }

    /// Keeps only the fields the type uses, so a stored config is never ambiguous.
    private static func validate(_ config: ChannelConfig, for type: Kind, allowInsecureTargets: Bool, into v: inout Validator) -> ChannelConfig? {
        // Fields of another type are refused, not dropped: a client should not
        // believe a setting is in force when it is not.
        let foreign: [(String, Bool, Kind)] = [
            ("webhook_url", config.webhookURL != nil, .slack), ("url", config.url != nil, .webhook),
            ("to", config.to != nil, .email), ("to_owner", config.toOwner != nil, .email),
        ]
        for (field, present, owner) in foreign where present && owner != type {
            v.fail("config.\(field)", "is only used by \(owner.rawValue) channels; remove it")
        }
        switch type {
        case .slack:
            guard let url = config.webhookURL else {
                v.fail("config.webhook_url", "is required for a slack channel")
                return nil
            }
            if let problem = FieldRules.checkTargetURL(url, allowInsecure: allowInsecureTargets) { v.fail("config.webhook_url", problem) }
            return ChannelConfig(webhookURL: url)
        case .webhook:
            guard let url = config.url else {
                v.fail("config.url", "is required for a webhook channel")
                return nil
            }
            if let problem = FieldRules.checkTargetURL(url, allowInsecure: allowInsecureTargets) { v.fail("config.url", problem) }
            return ChannelConfig(url: url)
        case .email:
            let toOwner = config.toOwner ?? false
            let to = config.to ?? []
            let hasList = !to.isEmpty
            if hasList == toOwner {
                v.fail("config", "an email channel has either a non-empty `to` list or `to_owner: true`")
                return nil
            }
            v.check(to.count <= maxRecipients, "config.to", "must have at most \(maxRecipients) addresses")
            let addresses = to.enumerated().compactMap { v.email($0.element, "config.to[\($0.offset)]") }
            return toOwner ? ChannelConfig(toOwner: true) : ChannelConfig(to: addresses)
        }
    }
}
