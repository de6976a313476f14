import Foundation

/// What routing reads of a lead.
public struct RoutingLead: Sendable, Equatable {
    public var score: Double
    public var answers: [String: JSONValue]
    public var attributes: [String: JSONValue]

    public init(score: Double, answers: [String: JSONValue] = [:], attributes: [String: JSONValue] = [:]) {
        self.score = score
        self.answers = answers
        self.attributes = attributes
    }
}

/// A round-robin turn taken from a team's counter: the store, holding the team row
/// locked in the intake transaction, sets the counter to `next`.
///
/// `next` is one past the slot actually used, not `turn + 1`: when members were skipped
/// the rotation moves past them, so the member after the one picked is next, instead of
/// the one picked getting the skipped members' turns as well.
public struct RoutingTurn: Sendable, Equatable {
    public var teamID: UUID
    /// The counter value routing read.
    public var turn: Int64
    /// The value to store.
    public var next: Int64

    public init(teamID: UUID, turn: Int64, next: Int64) {
        self.teamID = teamID
        self.turn = turn
        self.next = next
    }
}

public struct RoutingDecision: Sendable, Equatable {
    /// Nil: the lead is `unassigned` and `lead.unassigned` fires.
    public var ownerID: UUID?
    /// The rule that assigned; nil for the fallback owner or no owner.
    public var ruleID: UUID?
    /// The assigning rule's strategy, `fallback` for the funnel's fallback owner, nil when unassigned.
    public var strategy: String?
    /// The SLA policy of the first rule whose conditions held (nil: the funnel's).
    public var slaPolicyID: UUID?
    public var usedFallback: Bool
    /// Set when a round-robin turn was used; the store must advance that team's counter.
    public var turn: RoutingTurn?
    public var trace: [String]
    /// Whether owners' open-lead counts were compared, checked against a capacity or
    /// printed on the way to this decision. When false, the decision (owner, rule,
    /// turn and trace) is the same whatever the counts: intake then need not read
    /// them.
    public var dependsOnOpenLeads: Bool

    public init(
        ownerID: UUID?, ruleID: UUID?, strategy: String?, slaPolicyID: UUID?, usedFallback: Bool,
        turn: RoutingTurn?, trace: [String], dependsOnOpenLeads: Bool = false
    ) {
        self.ownerID = ownerID
        self.ruleID = ruleID
        self.strategy = strategy
        self.slaPolicyID = slaPolicyID
        self.usedFallback = usedFallback
        self.turn = turn
        self.trace = trace
        self.dependsOnOpenLeads = dependsOnOpenLeads
    }
}

/// Picks the owner for a lead. Pure: everything it needs is passed in, so intake,
/// the simulator and tests all get the same answer for the same inputs.
///
/// Decisions the contract leaves open:
/// - Rules are tried by ascending position (ties by id). The first rule whose
///   conditions all hold tries to assign; if every candidate it offers is unavailable,
///   the **next matching rule** is tried, then the fallback owner. A catch-all rule at
///   the end therefore backs up a specific rule whose people are all away.
/// - The SLA policy is that of the **first** rule whose conditions held, even when a
///   later rule or the fallback owner ends up assigning: the promise belongs to the kind
///   of lead, not to who happens to be free.
/// - The funnel's fallback owner is the last resort: used when they exist and are
///   active, even when away, at capacity or off-hours (the trace says so). A lead
///   waiting with the fallback owner is better than nobody's lead; only an inactive
///   (or deleted) fallback leaves the lead unassigned.
public enum Router {
    public static func route(
        lead: RoutingLead,
        rules: [RoutingRule],
        owners: [UUID: OwnerCandidate],
        teams: [UUID: TeamCandidate],
        fallbackOwnerID: UUID?,
        turns: [UUID: Int64],
        now: Date
    ) -> RoutingDecision {
        var context = Context(lead: lead, owners: owners, teams: teams, turns: turns, now: now)
        var segmentPolicy: UUID?
        var anyMatched = false
        if rules.isEmpty { context.trace.noRules() }

        for rule in rules.sorted(by: RoutingRule.evaluationOrder) {
            if let failed = rule.conditions.first(where: { !$0.holds(for: lead) }) {
                context.trace.notMatched(rule, failed: failed, actual: failed.field.value(in: lead))
                continue
            }
            context.trace.matched(rule)
            if !anyMatched {
                anyMatched = true
                segmentPolicy = rule.slaPolicyID
            }
            if let pick = context.pick(for: rule) {
                return RoutingDecision(
                    ownerID: pick.ownerID, ruleID: rule.id, strategy: rule.assign.strategy,
                    slaPolicyID: segmentPolicy, usedFallback: false, turn: pick.turn, trace: context.trace.lines,
                    dependsOnOpenLeads: context.dependsOnOpenLeads
                )
            }
        }
        return context.fallback(fallbackOwnerID, slaPolicyID: segmentPolicy)
    }
}

/// One routing run: the inputs plus the trace being written.
private struct Context {
    let lead: RoutingLead
    let owners: [UUID: OwnerCandidate]
    let teams: [UUID: TeamCandidate]
    let turns: [UUID: Int64]
    let now: Date
    var trace = RoutingTrace()
    /// Set as soon as an open-lead count could change what happens next.
    var dependsOnOpenLeads = false

    init(lead: RoutingLead, owners: [UUID: OwnerCandidate], teams: [UUID: TeamCandidate], turns: [UUID: Int64], now: Date) {
        self.lead = lead
        self.owners = owners
        self.teams = teams
        self.turns = turns
        self.now = now
    }

    typealias Pick = (ownerID: UUID, turn: RoutingTurn?)

    /// The owner `rule` assigns, or nil (with the reason traced) when it assigns nobody.
    mutating func pick(for rule: RoutingRule) -> Pick? {
        if case .owner(let ownerID) = rule.assign {
            guard let owner = available(ownerID) else {
                trace.nobody(rule, because: "its owner is unavailable")
                return nil
            }
            trace.assigned(rule, owner: owner, detail: "")
            return (owner.id, nil)
        }
        guard let teamID = rule.assign.teamID, let team = teams[teamID] else {
            let id = rule.assign.teamID?.lowercasedString ?? "?"
            trace.nobody(rule, because: "team \(id) not found (deleted?)")
            return nil
        }
        switch rule.assign {
        case .roundRobin: return roundRobin(rule, team)
        case .territory(_, let attribute): return territory(rule, team, attribute: attribute)
        default: return leastLoaded(rule, team, among: team.members.map(\.ownerID), detail: RoutingTrace.name(team))
        }
    }

    /// The member at the team's current turn, or the next available one after it.
    mutating func roundRobin(_ rule: RoutingRule, _ team: TeamCandidate) -> Pick? {
        let rotation = team.rotation
        guard !rotation.isEmpty else {
            trace.nobody(rule, because: "\(RoutingTrace.name(team)) has no members with a weight")
            return nil
        }
        let turn = turns[team.id] ?? 0
        let length = Int64(rotation.count)
        let slot = Int(((turn % length) + length) % length)
        var checked: [UUID: Bool] = [:]
        for step in 0..<rotation.count {
            let ownerID = rotation[(slot + step) % rotation.count]
            if checked[ownerID] == nil { checked[ownerID] = available(ownerID) != nil }
            guard checked[ownerID] == true, let owner = owners[ownerID] else { continue }
            let position = (slot + step) % rotation.count + 1
            trace.assigned(rule, owner: owner, detail: "\(RoutingTrace.name(team)), turn \(turn), slot \(position) of \(rotation.count)")
            return (ownerID, RoutingTurn(teamID: team.id, turn: turn, next: turn + Int64(step) + 1))
        }
        trace.nobody(rule, because: "no one in \(RoutingTrace.name(team)) is available")
        return nil
    }

    /// Among the members who cover the lead's territory, the least loaded one.
    mutating func territory(_ rule: RoutingRule, _ team: TeamCandidate, attribute: String) -> Pick? {
        let field = "attributes.\(attribute)"
        guard let value = lead.attributes[attribute], value != .null else {
            trace.nobody(rule, because: "\(field) is missing, so there is no territory to match")
            return nil
        }
        guard let territory = ConditionValue.scalarText(value) else {
            trace.nobody(rule, because: "\(field) is \(value.jsonText), not a single territory")
            return nil
        }
        let wanted = ConditionValue.normalized(territory)
        let covering = team.members.map(\.ownerID).filter { owners[$0]?.covers(normalizedTerritory: wanted) == true }
        guard !covering.isEmpty else {
            trace.nobody(rule, because: "no member of \(RoutingTrace.name(team)) covers territory \(value.jsonText)")
            return nil
        }
        return leastLoaded(rule, team, among: covering, detail: "\(RoutingTrace.name(team)), territory \(value.jsonText)")
    }

    /// The available owner with the fewest open leads; ties go to the earlier position.
    /// The only one available is taken without a look at the counts, and the trace
    /// says so instead of printing one that decided nothing.
    mutating func leastLoaded(_ rule: RoutingRule, _ team: TeamCandidate, among ownerIDs: [UUID], detail: String) -> Pick? {
        var best: OwnerCandidate?
        var availableCount = 0
        for ownerID in ownerIDs {
            guard let owner = available(ownerID) else { continue }
            availableCount += 1
            if let current = best, current.openLeads <= owner.openLeads { continue }
            best = owner
        }
        guard let best else {
            trace.nobody(rule, because: "no one in \(RoutingTrace.name(team)) is available")
            return nil
        }
        if availableCount == 1 {
            trace.assigned(rule, owner: best, detail: "\(detail), the only one available")
        } else {
            dependsOnOpenLeads = true
            trace.assigned(rule, owner: best, detail: "\(detail), \(RoutingTrace.openLeads(best.openLeads))")
        }
        return (best.id, nil)
    }

    /// The owner when they can take a lead now; otherwise nil, with the reason traced.
    mutating func available(_ ownerID: UUID) -> OwnerCandidate? {
        guard let owner = owners[ownerID] else {
            trace.skipped(ownerID, owner: nil, because: .notFound)
            return nil
        }
        if let reason = unavailability(of: owner) {
            trace.skipped(ownerID, owner: owner, because: reason)
            return nil
        }
        return owner
    }

    /// `owner.unavailability(at:)`, noting when its capacity check compared open leads:
    /// it does for an owner with a capacity who is neither inactive nor away.
    mutating func unavailability(of owner: OwnerCandidate) -> Unavailability? {
        let reason = owner.unavailability(at: now)
        if owner.maxOpenLeads != nil {
            switch reason {
            case .inactive?, .away?: break
            default: dependsOnOpenLeads = true
            }
        }
        return reason
    }

    /// After every rule: the funnel's fallback owner, or no owner at all.
    mutating func fallback(_ fallbackOwnerID: UUID?, slaPolicyID: UUID?) -> RoutingDecision {
        func decision(_ ownerID: UUID?) -> RoutingDecision {
            RoutingDecision(
                ownerID: ownerID, ruleID: nil, strategy: ownerID == nil ? nil : "fallback", slaPolicyID: slaPolicyID,
                usedFallback: ownerID != nil, turn: nil, trace: trace.lines, dependsOnOpenLeads: dependsOnOpenLeads
            )
        }
        guard let fallbackOwnerID else {
            trace.note("no rule assigned the lead and the funnel has no fallback owner: the lead is unassigned")
            return decision(nil)
        }
        guard let owner = owners[fallbackOwnerID] else {
            trace.note("no rule assigned the lead; fallback owner \(fallbackOwnerID.lowercasedString) was not found: the lead is unassigned")
            return decision(nil)
        }
        guard owner.active else {
            trace.note("no rule assigned the lead; fallback owner \(owner.name) is inactive: the lead is unassigned")
            return decision(nil)
        }
        if let reason = unavailability(of: owner) {
            trace.note("no rule assigned the lead; fallback owner \(owner.name) assigned although \(RoutingTrace.text(reason)), as the last resort")
        } else {
            trace.note("no rule assigned the lead; fallback owner \(owner.name) assigned")
        }
        return decision(owner.id)
    }
}
