import Foundation
import HandoffCore
import Testing

/// Intake reads the owners' open leads only when `RoutingDecision.dependsOnOpenLeads`
/// says the decision needs them. That is safe only if a decision that does not
/// depend on them is the same whatever they are.
@Suite("Router: open-lead counts")
struct RouterOpenLeadsTests {
    typealias R = RouterTests

    @Test("a decision that does not depend on open leads is the same for any counts (5,000 random configurations)")
    func independenceHolds() {
        var rng = SplitMix64(seed: 0x0BE7_1EAD)
        var independent = 0, dependent = 0
        for seed in 0..<5_000 {
            let scenario = Scenario.random(using: &rng)
            let first = scenario.route(counts: scenario.randomCounts(using: &rng))
            if first.dependsOnOpenLeads {
                dependent += 1
                continue
            }
            independent += 1
            for _ in 0..<3 {
                let again = scenario.route(counts: scenario.randomCounts(using: &rng))
                #expect(again == first, "case \(seed): \(scenario)")
            }
        }
        // Both kinds are common, so neither side of the property is vacuous.
        #expect(independent > 1_000 && dependent > 1_000, "independent \(independent), dependent \(dependent)")
    }

    @Test("the only owner covering a territory is taken without the counts, and the trace says so")
    func soleTerritoryOwner() {
        let rule = R.rule(1, "Territories", position: 1, [], .territory(team: R.team.id, attribute: "country"))
        let decision = R.route(RoutingLead(score: 90, attributes: ["country": "US"]), rules: [rule])
        #expect(decision.ownerID == R.ben.id)
        #expect(!decision.dependsOnOpenLeads)
        #expect(decision.trace.last == "rule 'Territories' (position 1) assigned Ben Example by territory (team 'SDRs', territory \"US\", the only one available)")
    }

    @Test("counts are needed to choose between owners, or to check a capacity (a fallback owner's too)")
    func whatDependsOnCounts() {
        let territory = R.rule(1, "Territories", position: 1, [], .territory(team: R.team.id, attribute: "country"))
        // Ana and Cleo both cover DE.
        #expect(R.route(rules: [territory]).dependsOnOpenLeads)
        // Ben alone covers US, but has a capacity.
        let cappedBen = OwnerCandidate(id: R.ben.id, name: "Ben Example", maxOpenLeads: 5, openLeads: 1, territories: ["US"])
        let us = RoutingLead(score: 90, attributes: ["country": "US"])
        #expect(R.route(us, rules: [territory], owners: [R.ana, cappedBen, R.cleo]).dependsOnOpenLeads)
        // A capacity behind "inactive" or "away" is never compared.
        let inactiveCapped = OwnerCandidate(id: R.ana.id, name: "Ana Example", active: false, maxOpenLeads: 5, territories: ["DE"])
        let direct = R.rule(2, "Ana", position: 1, [], .owner(R.ana.id))
        #expect(!R.route(rules: [direct], owners: [inactiveCapped]).dependsOnOpenLeads)
        // The fallback owner's capacity is printed when it is exceeded.
        let cappedDana = OwnerCandidate(id: R.dana.id, name: "Dana Fallback", maxOpenLeads: 1, openLeads: 4)
        let fallback = R.route(rules: [], owners: [cappedDana], fallback: R.dana.id)
        #expect(fallback.dependsOnOpenLeads)
        #expect(fallback.trace.last == "no rule assigned the lead; fallback owner Dana Fallback assigned although at capacity (4 of 1 open leads), as the last resort")
        // Round robin without capacities takes turns, not counts.
        #expect(!R.route(rules: [R.rule(3, "RR", position: 1, [], .roundRobin(team: R.team.id))], turns: [R.team.id: 4]).dependsOnOpenLeads)
    }

    /// Random owners (some inactive, away, with capacities, with overlapping
    /// territories), teams, rules of every strategy, and a fallback.
    struct Scenario: CustomStringConvertible {
        var owners: [OwnerCandidate]
        var teams: [TeamCandidate]
        var rules: [RoutingRule]
        var fallback: UUID?
        var lead: RoutingLead
        var turns: [UUID: Int64]

        static let countries = ["DE", "US", "FR"]

        static func random(using rng: inout SplitMix64) -> Scenario {
            func chance(_ percent: Int) -> Bool { Int.random(in: 1...100, using: &rng) <= percent }
            let owners = (1...Int.random(in: 1...5, using: &rng)).map { n in
                OwnerCandidate(
                    id: R.id(n), name: "Owner \(n)", active: !chance(15),
                    awayUntil: chance(15) ? R.now.addingTimeInterval(3_600) : nil,
                    maxOpenLeads: chance(30) ? Int.random(in: 0...4, using: &rng) : nil,
                    territories: countries.filter { _ in chance(40) }
                )
            }
            let teams = (1...2).map { n in
                TeamCandidate(id: R.id(n, 1), name: "Team \(n)", members: owners.filter { _ in chance(60) }.map {
                    TeamMember(ownerID: $0.id, weight: Int.random(in: 0...2, using: &rng))
                })
            }
            let rules = (1...Int.random(in: 1...3, using: &rng)).map { n in
                let team = teams[Int.random(in: 0..<teams.count, using: &rng)].id
                let assign: Assignment = switch Int.random(in: 0..<4, using: &rng) {
                case 0: .owner(R.id(Int.random(in: 1...6, using: &rng)))  // 6 may not exist
                case 1: .roundRobin(team: team)
                case 2: .territory(team: team, attribute: "country")
                default: .leastLoaded(team: team)
                }
                let conditions = chance(30) ? [R.isDE] : []
                return R.rule(n, "Rule \(n)", position: Int.random(in: 1...3, using: &rng), conditions, assign)
            }
            return Scenario(
                owners: owners, teams: teams, rules: rules,
                fallback: chance(60) ? owners[Int.random(in: 0..<owners.count, using: &rng)].id : nil,
                lead: RoutingLead(score: 90, attributes: chance(90) ? ["country": .string(countries.randomElement(using: &rng)!)] : [:]),
                turns: Dictionary(uniqueKeysWithValues: teams.map { ($0.id, Int64.random(in: 0...5, using: &rng)) })
            )
        }

        func randomCounts(using rng: inout SplitMix64) -> [UUID: Int] {
            Dictionary(uniqueKeysWithValues: owners.map { ($0.id, Int.random(in: 0...6, using: &rng)) })
        }

        func route(counts: [UUID: Int]) -> RoutingDecision {
            var counted = owners
            for index in counted.indices { counted[index].openLeads = counts[counted[index].id] ?? 0 }
            return R.route(lead, rules: rules, owners: counted, teams: teams, fallback: fallback, turns: turns)
        }

        var description: String {
            "owners \(owners.map { "\($0.name) active=\($0.active) away=\($0.awayUntil != nil) max=\(String(describing: $0.maxOpenLeads)) \($0.territories)" }), "
                + "teams \(teams.map { $0.members.map { "\($0.ownerID.uuidString.suffix(2)):\($0.weight)" } }), rules \(rules.map(\.assign)), "
                + "fallback \(String(describing: fallback)), lead \(lead.attributes)"
        }
    }
}
