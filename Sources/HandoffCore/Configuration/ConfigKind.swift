/// The kinds of configuration a tenant manages, with the words the API uses
/// for them. Store code names tables from here, never from input.
public enum ConfigKind: String, Sendable, CaseIterable, Codable {
    case owner
    case team
    case calendar
    case slaPolicy = "sla_policy"
    case funnel
    case routingRule = "routing_rule"
    case channel

    public var table: String {
        switch self {
        case .owner: "owners"
        case .team: "teams"
        case .calendar: "calendars"
        case .slaPolicy: "sla_policies"
        case .funnel: "funnels"
        case .routingRule: "routing_rules"
        case .channel: "channels"
        }
    }

    /// How problem details name one of these.
    public var noun: String {
        switch self {
        case .owner: "owner"
        case .team: "team"
        case .calendar: "calendar"
        case .slaPolicy: "SLA policy"
        case .funnel: "funnel"
        case .routingRule: "routing rule"
        case .channel: "channel"
        }
    }
}

/// An id in a body that must name a `kind` of this same tenant; `field` is
/// where a 422 points when it does not.
public struct ConfigReference: Sendable, Equatable, Hashable {
    public var field: String
    public var kind: ConfigKind
    public var id: UUID

    public init(field: String, kind: ConfigKind, id: UUID) {
        self.field = field
        self.kind = kind
        self.id = id
    }

    /// The same message whether the id is unknown or another tenant's: nothing leaks.
    public var missingError: FieldError {
        FieldError(field: field, message: "no \(kind.noun) with id \(id.lowercasedString) in this tenant")
    }
}

/// A stored configuration row: what the API returns and intake reads.
public protocol ConfigRecord: Codable, Sendable, Equatable {
    static var kind: ConfigKind { get }
    var id: UUID { get }
    /// Ids this record points at, checked to exist in the same tenant on every write.
    var references: [ConfigReference] { get }
}

import Foundation
