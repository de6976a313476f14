import Foundation
import HandoffCore
import Testing

@Suite("Router")
struct RouterTests {
    /// Fixed, readable ids: owner n is …000n, team n …010n, rule n …020n.
    static func id(_ n: Int, _ kind: Int = 0) -> UUID {
        let tail = String(kind * 100 + n)
        guard let id = UUID(uuidString: "00000000-0000-7000-8000-" + String(repeating: "0", count: 12 - tail.count) + tail) else {
            fatalError("bad test id")
        }
        return id
    }

    static let now = ClockFixture.utc("2026-11-25 10:00")  // a Wednesday
    static let ana = OwnerCandidate(id: id(1), name: "Ana Example", openLeads: 3, territories: ["DE", "at"])
    static let ben = OwnerCandidate(id: id(2), name: "Ben Example", openLeads: 1, territories: ["US"])
    static let cleo = OwnerCandidate(id: id(3), name: "Cleo Example", openLeads: 1, territories: ["de"])
    static let dana = OwnerCandidate(id: id(4), name: "Dana Fallback", openLeads: 9)

    static func owners(_ list: [OwnerCandidate]) -> [UUID: OwnerCandidate] {
        Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static let team = TeamCandidate(id: id(1, 1), name: "SDRs", members: [
        TeamMember(ownerID: ana.id), TeamMember(ownerID: ben.id), TeamMember(ownerID: cleo.id),
    ])

    static func rule(
        _ n: Int, _ name: String, position: Int, _ conditions: [Condition] = [], _ assign: Assignment, sla: UUID? = nil
    ) -> RoutingRule {
        RoutingRule(id: id(n, 2), name: name, position: position, conditions: conditions, assign: assign, slaPolicyID: sla)
    }

    static func route(
        _ lead: RoutingLead = RoutingLead(score: 90, attributes: ["country": "DE"]),
        rules: [RoutingRule],
        owners: [OwnerCandidate] = [ana, ben, cleo, dana],
        teams: [TeamCandidate] = [team],
        fallback: UUID? = nil,
        turns: [UUID: Int64] = [:],
        now: Date = now
    ) -> RoutingDecision {
        Router.route(
            lead: lead, rules: rules, owners: Self.owners(owners),
            teams: Dictionary(teams.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            fallbackOwnerID: fallback, turns: turns, now: now
        )
    }

    static let isDE = Condition(field: .attribute("country"), op: .eq, value: "DE")

    @Test("rules are tried by position (ties by id); the first match assigns and the trace says why")
    func order() {
        let later = Self.rule(1, "Catch-all", position: 20, [], .owner(Self.ben.id))
        let dach = Self.rule(2, "DACH SDRs", position: 10, [Self.isDE], .owner(Self.ana.id), sla: Self.id(9, 3))
        let us = Self.rule(3, "US", position: 5, [Condition(field: .attribute("country"), op: .eq, value: "US")], .owner(Self.ben.id))
        let decision = Self.route(rules: [later, dach, us])
        #expect(decision.ownerID == Self.ana.id)
        #expect(decision.ruleID == dach.id)
        #expect(decision.strategy == "owner")
        #expect(decision.slaPolicyID == Self.id(9, 3))
        #expect(!decision.usedFallback)
        #expect(decision.trace == [
            "rule 'US' (position 5) did not match: attributes.country eq \"US\" did not hold (attributes.country is \"DE\")",
            "rule 'DACH SDRs' (position 10) matched: attributes.country eq \"DE\" held",
            "rule 'DACH SDRs' (position 10) assigned Ana Example by owner",
        ])

        let tieA = Self.rule(5, "B", position: 1, [], .owner(Self.ben.id))
        let tieB = Self.rule(4, "A", position: 1, [], .owner(Self.ana.id))
        #expect(Self.route(rules: [tieA, tieB]).ruleID == tieB.id)
    }

    @Test("a missing field is named in the trace; all conditions must hold")
    func conditionsTrace() {
        let rule = Self.rule(1, "Big DACH", position: 1, [Self.isDE, Condition(field: .answer("Seats"), op: .gte, value: 50)], .owner(Self.ana.id))
        let decision = Self.route(rules: [rule])
        #expect(decision.ownerID == nil)
        #expect(decision.trace.first == "rule 'Big DACH' (position 1) did not match: answers.Seats gte 50 did not hold (answers.Seats is missing)")
        #expect(decision.trace.last == "no rule assigned the lead and the funnel has no fallback owner: the lead is unassigned")

        let matched = Self.route(RoutingLead(score: 90, answers: ["Seats": "120"], attributes: ["country": "de"]), rules: [rule])
        #expect(matched.ownerID == Self.ana.id)
        #expect(matched.trace.first == "rule 'Big DACH' (position 1) matched: attributes.country eq \"DE\" and answers.Seats gte 50 held")
        #expect(Self.route(rules: [Self.rule(2, "All", position: 1, [], .owner(Self.ben.id))]).trace.first == "rule 'All' (position 1) matched: it has no conditions")
    }

    @Test("every skip reason, in words")
    func skipReasons() {
        let calendar = ClockFixture.weekdays("Europe/Berlin")
        let away = ClockFixture.utc("2026-11-27 09:00")
        let cases: [(OwnerCandidate, String)] = [
            (OwnerCandidate(id: Self.ana.id, name: "Ana Example", active: false), "Ana Example skipped: inactive"),
            (OwnerCandidate(id: Self.ana.id, name: "Ana Example", awayUntil: away), "Ana Example skipped: away until 2026-11-27T09:00:00Z"),
            (OwnerCandidate(id: Self.ana.id, name: "Ana Example", maxOpenLeads: 5, openLeads: 5), "Ana Example skipped: at capacity (5 of 5 open leads)"),
            (OwnerCandidate(id: Self.ana.id, name: "Ana Example", calendar: calendar), "Ana Example skipped: outside business hours (Europe/Berlin)"),
        ]
        let rule = Self.rule(1, "Ana", position: 1, [], .owner(Self.ana.id))
        let night = ClockFixture.utc("2026-11-25 20:00")
        for (owner, line) in cases {
            let decision = Self.route(rules: [rule], owners: [owner], now: night)
            #expect(decision.ownerID == nil)
            #expect(decision.trace.contains(line), "\(decision.trace)")
            #expect(decision.trace.contains("rule 'Ana' (position 1) assigned nobody: its owner is unavailable; trying the next rule"))
        }
        let missing = Self.route(rules: [rule], owners: [])
        #expect(missing.trace.contains("owner \(Self.ana.id.uuidString.lowercased()) skipped: not found (deleted?)"))

        // The boundaries: back exactly at awayUntil, below capacity, inside hours.
        let available = [
            OwnerCandidate(id: Self.ana.id, name: "Ana", awayUntil: night),
            OwnerCandidate(id: Self.ana.id, name: "Ana", maxOpenLeads: 5, openLeads: 4),
            OwnerCandidate(id: Self.ana.id, name: "Ana", calendar: calendar),
        ]
        for owner in available {
            #expect(Self.route(rules: [rule], owners: [owner], now: owner.calendar == nil ? night : Self.now).ownerID == Self.ana.id)
        }
    }

    @Test("a matched rule with nobody available falls through to the next matching rule, keeping the first rule's SLA")
    func fallThrough() {
        let awayAna = OwnerCandidate(id: Self.ana.id, name: "Ana Example", awayUntil: ClockFixture.utc("2026-12-01 00:00"))
        let dach = Self.rule(1, "DACH", position: 1, [Self.isDE], .owner(Self.ana.id), sla: Self.id(1, 3))
        let notUS = Self.rule(2, "US only", position: 2, [Condition(field: .attribute("country"), op: .eq, value: "US")], .owner(Self.ben.id))
        let pool = Self.rule(3, "Pool", position: 3, [], .leastLoaded(team: Self.team.id), sla: Self.id(2, 3))
        let decision = Self.route(rules: [dach, notUS, pool], owners: [awayAna, Self.ben, Self.cleo])
        #expect(decision.ownerID == Self.ben.id)  // least loaded, ties by position: Ben before Cleo
        #expect(decision.ruleID == pool.id)
        #expect(decision.strategy == "least_loaded")
        #expect(decision.slaPolicyID == Self.id(1, 3))
        #expect(decision.trace.contains("Ana Example skipped: away until 2026-12-01T00:00:00Z"))
        #expect(decision.trace.contains("rule 'DACH' (position 1) assigned nobody: its owner is unavailable; trying the next rule"))
        #expect(decision.trace.last == "rule 'Pool' (position 3) assigned Ben Example by least_loaded (team 'SDRs', 1 open lead)")
    }

    @Test("fallback owner: used when active even if away; an inactive or missing one leaves the lead unassigned")
    func fallback() {
        let rule = Self.rule(1, "Ana", position: 1, [], .owner(Self.ana.id), sla: Self.id(1, 3))
        let inactiveAna = OwnerCandidate(id: Self.ana.id, name: "Ana Example", active: false)

        let used = Self.route(rules: [rule], owners: [inactiveAna, Self.dana], fallback: Self.dana.id)
        #expect(used.ownerID == Self.dana.id)
        #expect(used.usedFallback)
        #expect(used.ruleID == nil)
        #expect(used.strategy == "fallback")
        #expect(used.slaPolicyID == Self.id(1, 3))
        #expect(used.trace.last == "no rule assigned the lead; fallback owner Dana Fallback assigned")

        let awayDana = OwnerCandidate(id: Self.dana.id, name: "Dana Fallback", awayUntil: ClockFixture.utc("2026-12-01 00:00"))
        let lastResort = Self.route(rules: [], owners: [awayDana], fallback: Self.dana.id)
        #expect(lastResort.ownerID == Self.dana.id)
        #expect(lastResort.slaPolicyID == nil)
        #expect(lastResort.trace == [
            "no routing rules are configured",
            "no rule assigned the lead; fallback owner Dana Fallback assigned although away until 2026-12-01T00:00:00Z, as the last resort",
        ])

        let inactiveDana = OwnerCandidate(id: Self.dana.id, name: "Dana Fallback", active: false)
        let unassigned = Self.route(rules: [rule], owners: [inactiveAna, inactiveDana], fallback: Self.dana.id)
        #expect(unassigned.ownerID == nil)
        #expect(!unassigned.usedFallback)
        #expect(unassigned.strategy == nil)
        #expect(unassigned.trace.last == "no rule assigned the lead; fallback owner Dana Fallback is inactive: the lead is unassigned")

        let deleted = Self.route(rules: [], owners: [], fallback: Self.dana.id)
        #expect(deleted.ownerID == nil)
        #expect(deleted.trace.last?.contains("was not found: the lead is unassigned") == true)
    }

    @Test("territory: members covering attributes.<key> (case-insensitive), least loaded first")
    func territory() {
        let rule = Self.rule(1, "Territories", position: 1, [], .territory(team: Self.team.id, attribute: "country"))
        let decision = Self.route(RoutingLead(score: 1, attributes: ["country": "De "]), rules: [rule])
        #expect(decision.ownerID == Self.cleo.id)  // Ana (3 open) and Cleo (1 open) cover DE
        #expect(decision.strategy == "territory")
        #expect(decision.trace.last == "rule 'Territories' (position 1) assigned Cleo Example by territory (team 'SDRs', territory \"De \", 1 open lead)")

        let busyCleo = OwnerCandidate(id: Self.cleo.id, name: "Cleo Example", maxOpenLeads: 1, openLeads: 1, territories: ["DE"])
        #expect(Self.route(rules: [rule], owners: [Self.ana, Self.ben, busyCleo]).ownerID == Self.ana.id)

        let nobody = Self.route(RoutingLead(score: 1, attributes: ["country": "FR"]), rules: [rule])
        #expect(nobody.ownerID == nil)
        #expect(nobody.trace.contains("rule 'Territories' (position 1) assigned nobody: no member of team 'SDRs' covers territory \"FR\"; trying the next rule"))

        let missing = Self.route(RoutingLead(score: 1), rules: [rule])
        #expect(missing.trace.contains("rule 'Territories' (position 1) assigned nobody: attributes.country is missing, so there is no territory to match; trying the next rule"))
    }

    @Test("least loaded: fewest open leads, ties by team position, unavailable members skipped")
    func leastLoaded() {
        let rule = Self.rule(1, "Least", position: 1, [], .leastLoaded(team: Self.team.id))
        #expect(Self.route(rules: [rule]).ownerID == Self.ben.id)
        let inactiveBen = OwnerCandidate(id: Self.ben.id, name: "Ben Example", active: false, openLeads: 0)
        let decision = Self.route(rules: [rule], owners: [Self.ana, inactiveBen, Self.cleo])
        #expect(decision.ownerID == Self.cleo.id)
        #expect(decision.trace.contains("Ben Example skipped: inactive"))

        let missingTeam = Self.route(rules: [Self.rule(2, "Gone", position: 1, [], .leastLoaded(team: Self.id(7, 1)))])
        #expect(missingTeam.ownerID == nil)
        #expect(missingTeam.trace.contains { $0.contains("team \(Self.id(7, 1).uuidString.lowercased()) not found") })
    }

    @Test("round robin: the team's turn picks the slot; unavailable members are passed forward")
    func roundRobin() {
        let rule = Self.rule(1, "RR", position: 1, [], .roundRobin(team: Self.team.id))
        let picks = (0..<6).map { Self.route(rules: [rule], turns: [Self.team.id: Int64($0)]).ownerID }
        #expect(picks == [Self.ana.id, Self.ben.id, Self.cleo.id, Self.ana.id, Self.ben.id, Self.cleo.id])

        let decision = Self.route(rules: [rule], turns: [Self.team.id: 7])
        #expect(decision.turn == RoutingTurn(teamID: Self.team.id, turn: 7, next: 8))
        #expect(decision.trace.last == "rule 'RR' (position 1) assigned Ben Example by round_robin (team 'SDRs', turn 7, slot 2 of 3)")

        // Ben is away at turn 1: Cleo takes it, and the counter moves past her.
        let awayBen = OwnerCandidate(id: Self.ben.id, name: "Ben Example", awayUntil: ClockFixture.utc("2026-12-01 00:00"))
        let skipped = Self.route(rules: [rule], owners: [Self.ana, awayBen, Self.cleo], turns: [Self.team.id: 1])
        #expect(skipped.ownerID == Self.cleo.id)
        #expect(skipped.turn == RoutingTurn(teamID: Self.team.id, turn: 1, next: 3))
        #expect(skipped.trace.contains("Ben Example skipped: away until 2026-12-01T00:00:00Z"))

        let allAway = Self.route(rules: [rule], owners: [], turns: [Self.team.id: 1])
        #expect(allAway.ownerID == nil)
        #expect(allAway.turn == nil)
        #expect(allAway.trace.filter { $0.hasSuffix("skipped: not found (deleted?)") }.count == 3, "each member is reported once")
        #expect(allAway.trace.contains("rule 'RR' (position 1) assigned nobody: no one in team 'SDRs' is available; trying the next rule"))

        // A turn counter from another rule's team is not touched when an owner rule assigns.
        #expect(Self.route(rules: [Self.rule(2, "Ana", position: 1, [], .owner(Self.ana.id))]).turn == nil)
        #expect(Self.route(rules: [rule], turns: [Self.team.id: -1]).ownerID == Self.cleo.id, "a negative counter still maps into the rotation")
    }

    @Test("weights 2:1 interleave as A, B, A")
    func weightedOrder() {
        let team = TeamCandidate(id: Self.id(2, 1), name: "W", members: [TeamMember(ownerID: Self.ana.id, weight: 2), TeamMember(ownerID: Self.ben.id, weight: 1)])
        #expect(team.rotation == [Self.ana.id, Self.ben.id, Self.ana.id])
        let heavy = TeamCandidate(id: Self.id(3, 1), members: [
            TeamMember(ownerID: Self.ana.id, weight: 3), TeamMember(ownerID: Self.ben.id, weight: 1), TeamMember(ownerID: Self.cleo.id, weight: 2),
            TeamMember(ownerID: Self.dana.id, weight: 0),
        ])
        #expect(heavy.rotation == [Self.ana.id, Self.ben.id, Self.cleo.id, Self.ana.id, Self.cleo.id, Self.ana.id])
    }

    @Test("weighted round robin is exactly fair: N cycles give each member weight × N turns")
    func weightedFairness() {
        let weights = [5, 1, 3, 2]
        let people = [Self.ana, Self.ben, Self.cleo, Self.dana]
        let team = TeamCandidate(id: Self.id(4, 1), name: "Weighted", members: zip(people, weights).map { TeamMember(ownerID: $0.id, weight: $1) })
        let rule = Self.rule(1, "RR", position: 1, [], .roundRobin(team: team.id))
        let total = weights.reduce(0, +), cycles = 40
        var counts: [UUID: Int] = [:]
        var turn: Int64 = 1_000_003  // any starting point: fairness holds over any window of whole cycles
        for _ in 0..<(total * cycles) {
            let decision = Self.route(rules: [rule], owners: people, teams: [team], turns: [team.id: turn])
            guard let owner = decision.ownerID, let next = decision.turn?.next else {
                Issue.record("no pick at turn \(turn)")
                return
            }
            counts[owner, default: 0] += 1
            turn = next
        }
        for (person, weight) in zip(people, weights) {
            #expect(counts[person.id] == weight * cycles, "\(person.name): \(counts[person.id] ?? 0)")
        }
    }

    @Test("with one member away, the others share the turns in their weights' proportion")
    func fairnessWithAbsence() {
        let team = TeamCandidate(id: Self.id(5, 1), members: [
            TeamMember(ownerID: Self.ana.id, weight: 1), TeamMember(ownerID: Self.ben.id, weight: 1), TeamMember(ownerID: Self.cleo.id, weight: 1),
        ])
        let awayAna = OwnerCandidate(id: Self.ana.id, name: "Ana Example", awayUntil: ClockFixture.utc("2026-12-01 00:00"))
        let rule = Self.rule(1, "RR", position: 1, [], .roundRobin(team: team.id))
        var counts: [UUID: Int] = [:]
        var turn: Int64 = 0
        for _ in 0..<300 {
            let decision = Self.route(rules: [rule], owners: [awayAna, Self.ben, Self.cleo], teams: [team], turns: [team.id: turn])
            counts[decision.ownerID ?? Self.dana.id, default: 0] += 1
            turn = decision.turn?.next ?? turn + 1
        }
        #expect(counts[Self.ben.id] == 150)
        #expect(counts[Self.cleo.id] == 150)
    }

    @Test("assign input: strategies and the fields each needs")
    func assignmentValidation() throws {
        let owner = Self.ana.id, team = Self.team.id
        #expect(try Assignment.parse(strategy: "owner", ownerID: owner, teamID: nil, attribute: nil).get() == .owner(owner))
        #expect(try Assignment.parse(strategy: "round_robin", ownerID: nil, teamID: team, attribute: nil).get() == .roundRobin(team: team))
        #expect(try Assignment.parse(strategy: "least_loaded", ownerID: nil, teamID: team, attribute: nil).get() == .leastLoaded(team: team))
        #expect(try Assignment.parse(strategy: "territory", ownerID: nil, teamID: team, attribute: "attributes.country").get()
            == .territory(team: team, attribute: "country"))

        func fields(_ strategy: String?, _ ownerID: UUID?, _ teamID: UUID?, _ attribute: String?) -> [String] {
            guard case .failure(let failure) = Assignment.parse(strategy: strategy, ownerID: ownerID, teamID: teamID, attribute: attribute) else { return [] }
            return failure.errors.map(\.field)
        }
        #expect(fields(nil, nil, nil, nil) == ["assign.strategy"])
        #expect(fields("random", owner, nil, nil) == ["assign.strategy"])
        #expect(fields("owner", nil, nil, nil) == ["assign.owner_id"])
        #expect(fields("owner", owner, team, "country") == ["assign.team_id", "assign.attribute"])
        #expect(fields("round_robin", nil, nil, nil) == ["assign.team_id"])
        #expect(fields("least_loaded", owner, nil, nil) == ["assign.owner_id", "assign.team_id"])
        #expect(fields("territory", nil, team, nil) == ["assign.attribute"])
        #expect(fields("territory", nil, nil, " ") == ["assign.team_id", "assign.attribute"])
        #expect(fields("round_robin", nil, team, "country") == ["assign.attribute"])
    }

    @Test("rules and assignments round-trip through JSON in the API's shape")
    func codable() throws {
        let rule = Self.rule(1, "DACH", position: 10, [Self.isDE], .territory(team: Self.team.id, attribute: "country"), sla: Self.id(1, 3))
        let data = try JSONEncoder().encode(rule)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"strategy\":\"territory\""))
        #expect(text.contains("\"sla_policy_id\""))
        #expect(try JSONDecoder().decode(RoutingRule.self, from: data) == rule)
        let bad = #"{"strategy":"owner"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Assignment.self, from: Data(bad.utf8)) }
    }
}
