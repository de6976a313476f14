import Foundation

/// An owner as routing sees them at the moment of intake: a snapshot the store reads
/// inside the intake transaction, so the router itself stays pure.
public struct OwnerCandidate: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    public var active: Bool
    public var awayUntil: Date?
    public var maxOpenLeads: Int?
    public var openLeads: Int
    public var territories: [String] {
        didSet { coverage = Self.coverage(territories) }
    }
    /// The territories as compared, normalized once per configuration rather
    /// than for every member on every lead.
    private var coverage: Set<String>
    /// With a calendar, the owner is skipped outside its business hours.
    public var calendar: BusinessCalendar?

    public init(
        id: UUID, name: String, active: Bool = true, awayUntil: Date? = nil, maxOpenLeads: Int? = nil,
        openLeads: Int = 0, territories: [String] = [], calendar: BusinessCalendar? = nil
    ) {
        self.id = id
        self.name = name
        self.active = active
        self.awayUntil = awayUntil
        self.maxOpenLeads = maxOpenLeads
        self.openLeads = openLeads
        self.territories = territories
        self.coverage = Self.coverage(territories)
        self.calendar = calendar
    }

    /// Why the owner cannot take a lead `now`, or nil when they can. Checked in this
    /// order, and only the first reason is reported.
    public func unavailability(at now: Date) -> Unavailability? {
        if !active { return .inactive }
        if let awayUntil, awayUntil > now { return .away(until: awayUntil) }
        if let maxOpenLeads, openLeads >= maxOpenLeads { return .atCapacity(open: openLeads, max: maxOpenLeads) }
        if let calendar, !calendar.isOpen(at: now) { return .offHours(timeZone: calendar.timeZone.identifier) }
        return nil
    }

    /// Territories compare trimmed and case-insensitively, like condition
    /// strings: `territory` is normalized (`ConditionValue.normalized`) by the
    /// caller, once for a whole team.
    func covers(normalizedTerritory territory: String) -> Bool {
        coverage.contains(territory)
    }

    private static func coverage(_ territories: [String]) -> Set<String> {
        Set(territories.map(ConditionValue.normalized))
    }
}

/// Why an owner was passed over.
public enum Unavailability: Sendable, Equatable {
    case notFound
    case inactive
    case away(until: Date)
    case atCapacity(open: Int, max: Int)
    case offHours(timeZone: String)
}

public struct TeamMember: Sendable, Equatable {
    public var ownerID: UUID
    /// Share of round-robin turns; members below 1 take no turns.
    public var weight: Int

    public init(ownerID: UUID, weight: Int = 1) {
        self.ownerID = ownerID
        self.weight = weight
    }
}

/// A team as routing sees it: members in the team's position order.
public struct TeamCandidate: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    public var members: [TeamMember]

    public init(id: UUID, name: String = "", members: [TeamMember]) {
        self.id = id
        self.name = name
        self.members = members
    }

    /// The round-robin order for one cycle: interleaved weighted round robin. Pass `r`
    /// takes every member whose weight exceeds `r`, in position order, so weights 2:1
    /// give A, B, A (spread out), not A, A, B, and a cycle of `totalWeight` turns gives
    /// each member exactly `weight` of them.
    public var rotation: [UUID] {
        let maxWeight = members.map(\.weight).max() ?? 0
        var order: [UUID] = []
        order.reserveCapacity(members.reduce(0) { $0 + max(0, $1.weight) })
        for pass in 0..<max(0, maxWeight) {
            for member in members where member.weight > pass {
                order.append(member.ownerID)
            }
        }
        return order
    }
}
