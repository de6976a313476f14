import Foundation
import Testing
@testable import HandoffCore

@Suite struct TimerFiringTests {
    typealias F = LeadFixtures
    static let managers = F.id(11)
    static let cleo = F.cleo
    static let hook = F.id(60), slack = F.id(61)

    /// Ana's lead from Wednesday 10:00 Berlin: warning 10:04, due 10:05, escalation 10:15.
    static func setting(
        escalations: [EscalationStep] = [EscalationStep(afterSeconds: 600, action: .reassign, teamID: managers)],
        restart: Bool = false,
        owners: [Owner] = [F.owner(F.ana, "Ana", territories: ["DE"]), F.owner(cleo, "Cleo")]
    ) -> (TenantConfiguration, IntakePlan) {
        let configuration = TenantConfiguration(
            owners: owners,
            teams: [F.sdrTeam, Team(id: managers, name: "Managers", memberIDs: [F.ana, cleo], weights: [:], createdAt: F.epoch, updatedAt: F.epoch)],
            calendars: [F.weekdays], policies: [F.policy(escalations: escalations, restart: restart)], funnels: [F.funnel()],
            rules: [F.territoryRule()],
            channels: [F.channel(hook, events: [.slaBreached, .leadEscalated]), F.channel(slack, events: [.slaWarning, .slaBreached], created: 1)]
        )
        let plan = F.plan(configuration: configuration, now: F.berlinTime(2026, 11, 25, 10, 0))
        return (configuration, plan)
    }

    static func due(_ plan: IntakePlan) -> [DueTimer] {
        plan.timers
    }

    static func fire(_ due: [DueTimer], _ lead: LeadSnapshot, _ configuration: TenantConfiguration, at now: Date) -> TimerFiringPlan {
        var ids = AscendingIDs(at: now)
        return TimerFiring.plan(
            lead: lead, due: due, configuration: configuration, openLeads: [:], tenantID: F.tenantID, now: now, newID: { ids.next() }
        )
    }

    @Test func warningThenBreachSetTheClockAndFanOut() {
        let (configuration, intake) = Self.setting()
        let timers = Self.due(intake)
        let warning = Self.fire([timers[0]], intake.lead, configuration, at: timers[0].dueAt.addingTimeInterval(0.2))
        #expect(warning.fired == [timers[0].id])
        #expect(warning.lead.sla.warnedAt == timers[0].dueAt.addingTimeInterval(0.2))
        #expect(warning.events.map(\.type) == [.slaWarning])
        #expect(warning.deliveries.map(\.channelID) == [Self.slack])
        #expect(warning.events[0].data.late == false)
        #expect(warning.events[0].data.lateByMs == 200)

        let breach = Self.fire([timers[1]], warning.lead, configuration, at: timers[1].dueAt)
        #expect(breach.lead.sla.state == .breached)
        #expect(breach.lead.sla.breachedAt == timers[1].dueAt)
        #expect(breach.lead.sla.warnedAt == warning.lead.sla.warnedAt)
        #expect(breach.deliveries.map(\.channelID) == [Self.hook, Self.slack])
    }

    @Test func overdueTimersFireInOrderMarkedLateWithAscendingIDs() {
        let (configuration, intake) = Self.setting(escalations: [EscalationStep(afterSeconds: 600, action: .notify)])
        let timers = Self.due(intake)
        let now = timers[2].dueAt.addingTimeInterval(180)
        let plan = Self.fire(timers.reversed(), intake.lead, configuration, at: now)
        #expect(plan.events.map(\.type) == [.slaWarning, .slaBreached, .leadEscalated])
        #expect(plan.events.map(\.id) == plan.events.map(\.id).sorted { $0.uuidString < $1.uuidString })
        #expect(plan.events.allSatisfy { $0.data.late == true })
        #expect(plan.events.map(\.data.lateByMs) == timers.map { Int((now.timeIntervalSince($0.dueAt) * 1000).rounded()) })
        #expect(plan.events[2].data.escalation == EscalationDetail(step: 1, action: .notify))
        #expect(plan.fired == timers.map(\.id))
        #expect(plan.newClock == nil)
    }

    @Test func anAnsweredLeadFiresNothing() {
        let (configuration, intake) = Self.setting()
        let answered = FirstResponse.apply(to: intake.lead, respondedAt: intake.lead.createdAt.addingTimeInterval(30), calendar: F.businessCalendar)
        let plan = Self.fire(Self.due(intake), answered, configuration, at: intake.timers[2].dueAt)
        #expect(plan.events.isEmpty)
        #expect(plan.fired.isEmpty)
        #expect(plan.skipped.count == 3)
        #expect(!plan.leadChanged)
    }

    @Test func aReassignStepMovesTheLeadAwayFromItsOwnerAndMayRestartTheClock() throws {
        for restart in [false, true] {
            let (configuration, intake) = Self.setting(restart: restart)
            #expect(intake.lead.ownerID == F.ana)
            let escalation = Self.due(intake)[2]
            let plan = Self.fire([escalation], intake.lead, configuration, at: escalation.dueAt)
            // Ana is in Managers too, but the escalation moves the lead away from her.
            #expect(plan.lead.ownerID == Self.cleo)
            #expect(plan.loadChanges == [F.ana: -1, Self.cleo: 1])
            #expect(plan.events.first?.data.escalation == EscalationDetail(step: 1, action: .reassign, fromOwnerID: F.ana, toOwnerID: Self.cleo))
            #expect(plan.events.first?.data.owner?.id == Self.cleo)
            if restart {
                let clock = try #require(plan.newClock)
                #expect(clock.startedAt == escalation.dueAt)
                #expect(plan.lead.sla.state == .running)
                #expect(plan.lead.sla.startedAt == escalation.dueAt)
                #expect(clock.timers.map(\.kind) == [.warning, .breach, .escalation])
            } else {
                #expect(plan.newClock == nil)
                #expect(plan.lead.sla == intake.lead.sla)
            }
        }
    }

    @Test func aRestartDropsTheRestOfTheOldClock() {
        let steps = [EscalationStep(afterSeconds: 60, action: .reassign, teamID: Self.managers), EscalationStep(afterSeconds: 120, action: .notify)]
        let (configuration, intake) = Self.setting(escalations: steps, restart: true)
        let timers = Self.due(intake)
        let plan = Self.fire(timers, intake.lead, configuration, at: timers[3].dueAt)
        #expect(plan.events.map(\.type) == [.slaWarning, .slaBreached, .leadEscalated])
        #expect(plan.fired == Array(timers.prefix(3).map(\.id)))
        #expect(plan.newClock != nil)
    }

    @Test func nobodyElseInTheTeamStillAnnouncesTheStep() {
        // The SDR team: Ana holds the lead and Ben is inactive.
        let (configuration, intake) = Self.setting(
            escalations: [EscalationStep(afterSeconds: 600, action: .reassign, teamID: F.team)],
            owners: [F.owner(F.ana, "Ana", territories: ["DE"]), F.owner(F.ben, "Ben", active: false)]
        )
        let escalation = Self.due(intake)[2]
        let plan = Self.fire([escalation], intake.lead, configuration, at: escalation.dueAt)
        #expect(plan.lead.ownerID == F.ana)
        #expect(plan.events.first?.data.escalation == EscalationDetail(step: 1, action: .reassign, fromOwnerID: F.ana, toOwnerID: nil))
        #expect(plan.loadChanges.isEmpty)
    }

    @Test func aStepThePolicyNoLongerHasIsSkipped() {
        let (configuration, intake) = Self.setting()
        var edited = configuration
        edited.policies[F.policyID]?.escalations = []
        let escalation = Self.due(intake)[2]
        let plan = Self.fire([escalation], intake.lead, edited, at: escalation.dueAt)
        #expect(plan.events.isEmpty)
        #expect(plan.skipped.map(\.id) == [escalation.id])
    }

    @Test func latenessHasAOneSecondTolerance() {
        let due = Date(timeIntervalSince1970: 1_000)
        #expect(Lateness(dueAt: due, firedAt: due.addingTimeInterval(1)) == Lateness(dueAt: due, firedAt: due.addingTimeInterval(1)))
        #expect(!Lateness(dueAt: due, firedAt: due.addingTimeInterval(1)).late)
        #expect(Lateness(dueAt: due, firedAt: due.addingTimeInterval(1.001)).late)
        #expect(Lateness(dueAt: due, firedAt: due.addingTimeInterval(-2)).milliseconds == 0)
    }

    @Test func ascendingIDsSortInTheOrderMade() {
        var ids = AscendingIDs(at: Date(timeIntervalSince1970: 1_700_000_000))
        let made = (0..<2_000).map { _ in ids.next() }
        #expect(made == made.sorted { $0.uuidString < $1.uuidString })
        #expect(Set(made).count == made.count)
        #expect(made.allSatisfy { $0.uuidString.dropFirst(14).first == "7" })
    }
}
