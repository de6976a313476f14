import Foundation

/// The routing explanation shown in `routing.trace` and by the simulator: one plain
/// sentence per rule tried and per owner passed over, in the order it happened. The
/// wording lives here alone so the sentences stay consistent.
public struct RoutingTrace: Sendable, Equatable {
    public private(set) var lines: [String] = []

    public init() {}

    mutating func noRules() {
        lines.append("no routing rules are configured")
    }

    mutating func matched(_ rule: RoutingRule) {
        let reason = rule.conditions.isEmpty
            ? "it has no conditions"
            : rule.conditions.map(\.text).joined(separator: " and ") + " held"
        lines.append("\(RoutingTrace.name(rule)) matched: \(reason)")
    }

    mutating func notMatched(_ rule: RoutingRule, failed condition: Condition, actual: JSONValue?) {
        let seen: String
        switch actual {
        case nil: seen = "\(condition.field) is missing"
        case .null?: seen = "\(condition.field) is null"
        case let value?: seen = "\(condition.field) is \(value.jsonText)"
        }
        lines.append("\(RoutingTrace.name(rule)) did not match: \(condition.text) did not hold (\(seen))")
    }

    mutating func skipped(_ ownerID: UUID, owner: OwnerCandidate?, because reason: Unavailability) {
        lines.append("\(RoutingTrace.name(owner, id: ownerID)) skipped: \(RoutingTrace.text(reason))")
    }

    mutating func assigned(_ rule: RoutingRule, owner: OwnerCandidate, detail: String) {
        lines.append("\(RoutingTrace.name(rule)) assigned \(owner.name) by \(rule.assign.strategy)\(detail.isEmpty ? "" : " (\(detail))")")
    }

    mutating func nobody(_ rule: RoutingRule, because reason: String) {
        lines.append("\(RoutingTrace.name(rule)) assigned nobody: \(reason); trying the next rule")
    }

    mutating func note(_ line: String) {
        lines.append(line)
    }

    static func name(_ rule: RoutingRule) -> String {
        "rule '\(rule.name)' (position \(rule.position))"
    }

    static func name(_ owner: OwnerCandidate?, id: UUID) -> String {
        owner?.name ?? "owner \(id.lowercasedString)"
    }

    static func name(_ team: TeamCandidate) -> String {
        team.name.isEmpty ? "team \(team.id.lowercasedString)" : "team '\(team.name)'"
    }

    static func text(_ reason: Unavailability) -> String {
        switch reason {
        case .notFound: "not found (deleted?)"
        case .inactive: "inactive"
        case .away(let until): "away until \(timestamp(until))"
        case .atCapacity(let open, let max): "at capacity (\(open) of \(max) open leads)"
        case .offHours(let zone): "outside business hours (\(zone))"
        }
    }

    /// "1 open lead", "3 open leads".
    static func openLeads(_ count: Int) -> String {
        count == 1 ? "1 open lead" : "\(count) open leads"
    }

    /// `2026-11-27T09:00:00Z`, built from day arithmetic: no formatter to allocate or share.
    static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let clock = "\(pad(secondOfDay / 3600)):\(pad(secondOfDay % 3600 / 60)):\(pad(secondOfDay % 60))"
        return "\(LocalDate(dayNumber: dayNumber))T\(clock)Z"
    }
}
