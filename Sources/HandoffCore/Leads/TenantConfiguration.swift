import Foundation

/// One tenant's configuration as intake, the simulator and the timer engine read it:
/// loaded once and cached by the store, with everything routing needs derived up front
/// so a lead costs dictionary lookups, not a rebuild.
public struct TenantConfiguration: Sendable {
    public var owners: [UUID: Owner]
    public var teams: [UUID: Team]
    /// Only calendars whose time zone this machine knows; a policy or owner naming a
    /// missing one is treated as having no calendar (wall clock, never off-hours).
    public var calendars: [UUID: BusinessCalendar]
    public var policies: [UUID: SLAPolicy]
    public var funnels: [UUID: Funnel]
    /// Precomputed.
    public var teamCandidates: [UUID: TeamCandidate]
    /// Teams some rule uses with `round_robin`: the store reads (and locks) their turn counters.
    public var roundRobinTeams: Set<UUID>

    /// Rules limited to no funnel, in evaluation order.
    private let globalRules: [RoutingRule]
    /// Per funnel: its own rules and the global ones, in evaluation order.
    private let rulesByFunnel: [UUID: [RoutingRule]]
    private let channelsByEvent: [EventType: [NotificationChannel]]
    private let baseCandidates: [UUID: OwnerCandidate]

    public init(
        owners: [Owner], teams: [Team], calendars: [CalendarConfig], policies: [SLAPolicy], funnels: [Funnel],
        rules: [RoutingRuleConfig], channels: [NotificationChannel]
    ) {
        self.owners = Dictionary(owners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.teams = Dictionary(teams.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var businessCalendars: [UUID: BusinessCalendar] = [:]
        for calendar in calendars {
            if let business = calendar.businessCalendar { businessCalendars[calendar.id] = business }
        }
        self.calendars = businessCalendars
        self.policies = Dictionary(policies.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.funnels = Dictionary(funnels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        teamCandidates = Dictionary(teams.map { team in
            (team.id, TeamCandidate(
                id: team.id, name: team.name,
                members: team.memberIDs.map { TeamMember(ownerID: $0, weight: team.weight(of: $0)) }
            ))
        }, uniquingKeysWith: { first, _ in first })

        var roundRobin = Set<UUID>()
        for rule in rules { if case .roundRobin(let team) = rule.assign { roundRobin.insert(team) } }
        roundRobinTeams = roundRobin

        let ordered = rules.sorted { RoutingRule.evaluationOrder($0.rule, $1.rule) }
        globalRules = ordered.filter { $0.funnelID == nil }.map(\.rule)
        var byFunnel: [UUID: [RoutingRule]] = [:]
        let funnelIDs = Set(funnels.map(\.id)).union(rules.compactMap(\.funnelID))
        for funnelID in funnelIDs {
            byFunnel[funnelID] = ordered.filter { $0.funnelID == nil || $0.funnelID == funnelID }.map(\.rule)
        }
        rulesByFunnel = byFunnel

        // Oldest channel first, so deliveries are planned in a stable order.
        let activeChannels = channels.filter(\.active).sorted {
            $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id.uuidString < $1.id.uuidString
        }
        var byEvent: [EventType: [NotificationChannel]] = [:]
        for type in EventType.allCases {
            byEvent[type] = activeChannels.filter { $0.events.contains(type.rawValue) }
        }
        channelsByEvent = byEvent

        baseCandidates = Dictionary(owners.map { owner in
            (owner.id, OwnerCandidate(
                id: owner.id, name: owner.name, active: owner.active, awayUntil: owner.awayUntil,
                maxOpenLeads: owner.maxOpenLeads, openLeads: owner.openLeads, territories: owner.territories,
                calendar: owner.calendarID.flatMap { businessCalendars[$0] }
            ))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The rules a lead of `funnel` is routed by: those of no funnel and those of this
    /// one, in evaluation order (ascending position, ties by id).
    public func rules(forFunnel funnel: UUID) -> [RoutingRule] {
        rulesByFunnel[funnel] ?? globalRules
    }

    /// Active channels subscribed to `event`, oldest first.
    public func channels(for event: EventType) -> [NotificationChannel] {
        channelsByEvent[event] ?? []
    }

    /// Every owner as routing sees them, with the open-lead counts the store just read;
    /// an owner missing from `openLeads` keeps the count stored on the owner.
    public func candidates(openLeads: [UUID: Int]) -> [UUID: OwnerCandidate] {
        guard !openLeads.isEmpty else { return baseCandidates }
        var result = baseCandidates
        for (id, count) in openLeads where result[id] != nil {
            result[id]?.openLeads = count
        }
        return result
    }

    /// The calendar a policy's clock counts against; nil (wall clock) without one or
    /// when it names a calendar that no longer exists.
    public func calendar(for policy: SLAPolicy) -> BusinessCalendar? {
        policy.calendarID.flatMap { calendars[$0] }
    }

    /// The owner as events carry them, or nil when unknown.
    public func ownerSnapshot(_ id: UUID?) -> OwnerSnapshot? {
        id.flatMap { owners[$0] }.map(\.snapshot)
    }
}

extension Owner {
    /// The owner as events carry them.
    public var snapshot: OwnerSnapshot {
        OwnerSnapshot(id: id, name: name, email: email, slackUserID: slackUserID, phone: phone, timezone: timezone)
    }
}
