import Foundation
@testable import HandoffCore
import Testing

@Suite("Intake planner")
struct IntakePlannerTests {
    typealias F = LeadFixtures

    @Test("seed story: score 80 qualifies, DE goes to Ana, Friday 18:00 is due Monday 09:05, warned 60 s before")
    func seedStory() throws {
        let plan = F.plan()
        #expect(plan.lead.status == .assigned)
        #expect(plan.lead.ownerID == F.ana)
        #expect(plan.routing?.ruleID == F.territoryRuleID)
        #expect(plan.routing?.strategy == "territory")
        #expect(plan.lead.createdAt == F.fridayEvening)

        let monday0905 = F.berlinTime(2026, 11, 30, 9, 5)
        #expect(plan.lead.sla == SLASnapshot(policyID: F.policyID, state: .running, startedAt: F.fridayEvening, dueAt: monday0905))
        #expect(plan.timers.map(\.kind) == [.warning, .breach])
        #expect(plan.timers[0].dueAt == F.berlinTime(2026, 11, 30, 9, 4))
        #expect(plan.timers[1].dueAt == monday0905)
        #expect(plan.policy?.id == F.policyID)

        #expect(plan.events.count == 1)
        let event = try #require(plan.events.first)
        #expect(event.type == .leadAssigned)
        #expect(event.tenantID == F.tenantID)
        #expect(event.createdAt == F.fridayEvening)
        #expect(event.data.lead == plan.lead)
        #expect(event.data.owner?.id == F.ana)
        #expect(event.data.owner?.name == "Ana")
        #expect(event.data.sla == plan.lead.sla)
        #expect(event.data.lead.answers["budget"] == 5000)
        #expect(plan.deliveries == [PlannedDelivery(id: F.id(1004), eventID: event.id, channelID: F.id(60))])
        #expect(plan.turn == nil)
        // newID order: lead, timers, event, deliveries.
        #expect(plan.lead.id == F.id(1000))
        #expect(plan.timers.map(\.id) == [F.id(1001), F.id(1002)])
        #expect(event.id == F.id(1003))
        #expect(plan.routing?.trace.last?.contains("Call in 5 minutes") == true)
    }

    @Test("inside business hours the 5 minutes are plain minutes")
    func duringBusinessHours() {
        let monday10 = F.berlinTime(2026, 11, 30, 10, 0)
        let plan = F.plan(now: monday10)
        #expect(plan.lead.sla.dueAt == F.berlinTime(2026, 11, 30, 10, 5))
    }

    @Test("below qualify_min_score: stored unqualified, nothing routed, timed or sent")
    func unqualified() {
        let plan = F.plan(F.submission(score: 79.9))
        #expect(plan.lead.status == .unqualified)
        #expect(plan.lead.ownerID == nil)
        #expect(plan.lead.sla == SLASnapshot(policyID: nil, state: .none))
        #expect(plan.routing == nil)
        #expect(!plan.qualified)
        #expect(plan.timers.isEmpty && plan.events.isEmpty && plan.deliveries.isEmpty)
        #expect(plan.turn == nil)
        #expect(plan.lead.answers == F.submission().answers)
    }

    @Test("nobody covers the territory and no fallback: lead.unassigned fires and the clock still runs")
    func unassigned() throws {
        let plan = F.plan(F.submission(country: "IT"))
        #expect(plan.lead.status == .unassigned)
        #expect(plan.lead.ownerID == nil)
        let event = try #require(plan.events.first)
        #expect(plan.events.count == 1)
        #expect(event.type == .leadUnassigned)
        #expect(event.data.owner == nil)
        #expect(plan.lead.sla.state == .running)
        #expect(plan.timers.map(\.kind) == [.warning, .breach])
        #expect(plan.deliveries.count == 1)
    }

    @Test("the funnel's fallback owner takes what no rule assigns")
    func fallback() {
        let configuration = F.configuration(owners: [
            F.owner(F.ana, "Ana", territories: ["DE"]), F.owner(F.ben, "Ben", territories: ["FR"]), F.owner(F.cleo, "Cleo"),
        ])
        let plan = F.plan(F.submission(country: "IT"), funnel: F.funnel(fallback: F.cleo), configuration: configuration)
        #expect(plan.lead.ownerID == F.cleo)
        #expect(plan.events.first?.type == .leadAssigned)
        #expect(plan.events.first?.data.owner?.name == "Cleo")
    }

    @Test("deliveries only to active channels subscribed to the event, oldest channel first")
    func deliveries() throws {
        let channels = [
            F.channel(F.id(61), events: [.leadAssigned, .slaBreached], created: 20),
            F.channel(F.id(62), events: [.leadAssigned], active: false),
            F.channel(F.id(63), events: [.slaBreached, .leadUnassigned]),
            F.channel(F.id(64), events: [.leadAssigned], created: 10),
        ]
        let plan = F.plan(configuration: F.configuration(channels: channels))
        let event = try #require(plan.events.first)
        #expect(plan.deliveries.map(\.channelID) == [F.id(64), F.id(61)])
        #expect(plan.deliveries.allSatisfy { $0.eventID == event.id })
        #expect(Set(plan.deliveries.map(\.id)).count == 2)
    }

    @Test("a matching rule's sla_policy_id overrides the funnel's")
    func rulePolicyOverrides() {
        let hot = F.policy(F.hotPolicyID, target: 60, calendar: nil, warn: nil)
        let configuration = F.configuration(policies: [F.policy(), hot], rules: [F.territoryRule(policy: F.hotPolicyID)])
        let plan = F.plan(configuration: configuration)
        #expect(plan.lead.sla.policyID == F.hotPolicyID)
        // No calendar: wall clock, one minute.
        #expect(plan.lead.sla.dueAt == F.fridayEvening.addingTimeInterval(60))
        #expect(plan.timers.map(\.kind) == [.breach])
        #expect(plan.policy?.id == F.hotPolicyID)
    }

    @Test("a policy missing from the configuration starts no clock, and the trace says so")
    func missingPolicy() {
        let plan = F.plan(configuration: F.configuration(policies: []))
        #expect(plan.lead.status == .assigned)
        #expect(plan.lead.sla.state == .none)
        #expect(plan.lead.sla.dueAt == nil)
        #expect(plan.timers.isEmpty)
        #expect(plan.policy == nil)
        #expect(plan.events.map(\.type) == [.leadAssigned])
        #expect(plan.routing?.trace.last?.contains("not found") == true)
    }

    @Test("round robin hands the turn to the store")
    func roundRobinTurn() {
        let rule = RoutingRuleConfig(
            id: F.id(51), name: "Pool", funnelID: nil, position: 1, conditions: [],
            assign: .roundRobin(team: F.team), slaPolicyID: nil, createdAt: F.epoch, updatedAt: F.epoch
        )
        let configuration = F.configuration(rules: [rule])
        #expect(configuration.roundRobinTeams == [F.team])
        let plan = F.plan(configuration: configuration, turns: [F.team: 1])
        #expect(plan.lead.ownerID == F.ben)
        #expect(plan.turn == RoutingTurn(teamID: F.team, turn: 1, next: 2))
        #expect(plan.routing?.turn == plan.turn)
    }

    @Test("escalation steps are timed in business time after the breach, numbered from 1")
    func escalationTimers() {
        let policy = F.policy(escalations: [
            EscalationStep(afterSeconds: 600, action: .notify),
            EscalationStep(afterSeconds: 3600, action: .reassign, teamID: F.team),
        ])
        let friday1650 = F.berlinTime(2026, 11, 27, 16, 50)
        let plan = SLASchedule.plan(policy: policy, calendar: F.businessCalendar, start: friday1650, newID: LeadFixtures.IDs().callAsFunction)
        #expect(plan.dueAt == F.berlinTime(2026, 11, 27, 16, 55))
        #expect(plan.timers.map(\.kind) == [.warning, .breach, .escalation, .escalation])
        #expect(plan.timers.map(\.step) == [nil, nil, 1, 2])
        #expect(plan.timers[0].dueAt == F.berlinTime(2026, 11, 27, 16, 54))
        // 5 minutes left on Friday, the rest on Monday morning.
        #expect(plan.timers[2].dueAt == F.berlinTime(2026, 11, 30, 9, 5))
        #expect(plan.timers[3].dueAt == F.berlinTime(2026, 11, 30, 9, 55))
        #expect(SLASchedule.escalationStep(2, of: policy)?.action == .reassign)
        #expect(SLASchedule.escalationStep(3, of: policy) == nil)

        let wall = SLASchedule.plan(policy: policy, calendar: nil, start: friday1650, newID: LeadFixtures.IDs().callAsFunction)
        #expect(wall.dueAt == friday1650.addingTimeInterval(300))
        #expect(wall.timers[2].dueAt == friday1650.addingTimeInterval(900))
        #expect(wall.timers[3].dueAt == friday1650.addingTimeInterval(3900))
    }

    @Test("a calendar the policy names but the configuration lacks counts on the wall clock")
    func missingCalendar() {
        let configuration = TenantConfiguration(
            owners: [F.owner(F.ana, "Ana", territories: ["DE"])], teams: [F.sdrTeam], calendars: [],
            policies: [F.policy()], funnels: [F.funnel()], rules: [F.territoryRule()], channels: []
        )
        let plan = F.plan(configuration: configuration)
        #expect(plan.lead.sla.dueAt == F.fridayEvening.addingTimeInterval(300))
        #expect(plan.deliveries.isEmpty)
        #expect(plan.routing?.trace.last?.contains("wall clock") == true)
    }
}

@Suite("Tenant configuration")
struct TenantConfigurationTests {
    typealias F = LeadFixtures

    @Test("rules of no funnel and of this funnel, in evaluation order; other funnels' rules left out")
    func rulesForFunnel() {
        func rule(_ n: Int, position: Int, funnel: UUID?) -> RoutingRuleConfig {
            RoutingRuleConfig(
                id: F.id(n), name: "r\(n)", funnelID: funnel, position: position, conditions: [],
                assign: .owner(F.ana), slaPolicyID: nil, createdAt: F.epoch, updatedAt: F.epoch
            )
        }
        let configuration = F.configuration(rules: [
            rule(71, position: 5, funnel: nil), rule(72, position: 1, funnel: F.funnelID),
            rule(73, position: 3, funnel: F.otherFunnelID), rule(74, position: 5, funnel: F.funnelID),
        ])
        #expect(configuration.rules(forFunnel: F.funnelID).map(\.id) == [F.id(72), F.id(71), F.id(74)])
        #expect(configuration.rules(forFunnel: F.otherFunnelID).map(\.id) == [F.id(73), F.id(71)])
        #expect(configuration.rules(forFunnel: F.id(99)).map(\.id) == [F.id(71)])
        #expect(configuration.roundRobinTeams.isEmpty)
    }

    @Test("candidates carry the owner's calendar and the open counts given, else the stored ones")
    func candidates() {
        let configuration = F.configuration(owners: [
            F.owner(F.ana, "Ana", calendarID: F.calendarID, openLeads: 3), F.owner(F.ben, "Ben", openLeads: 7),
        ])
        let candidates = configuration.candidates(openLeads: [F.ana: 5, F.id(99): 1])
        #expect(candidates[F.ana]?.openLeads == 5)
        #expect(candidates[F.ben]?.openLeads == 7)
        #expect(candidates[F.ana]?.calendar == F.businessCalendar)
        #expect(candidates[F.ben]?.calendar == nil)
        #expect(candidates[F.id(99)] == nil)
        #expect(configuration.teamCandidates[F.team]?.members.map(\.ownerID) == [F.ana, F.ben])
    }
}
