import Foundation
@testable import HandoffCore
import Testing

@Suite("First response and reassignment")
struct LeadLifecycleTests {
    typealias F = LeadFixtures

    var runningSLA: SLASnapshot {
        F.plan().lead.sla  // Friday 18:00 → due Monday 09:05
    }

    @Test("a response exactly at due_at is met; one millisecond later is breached")
    func metAtDueAt() throws {
        let sla = runningSLA
        let due = try #require(sla.dueAt)
        let onTime = FirstResponse.apply(to: sla, respondedAt: due, calendar: F.businessCalendar)
        #expect(onTime.state == .met)
        #expect(onTime.respondedAt == due)
        #expect(onTime.responseSeconds == 300)

        let late = FirstResponse.apply(to: sla, respondedAt: due.addingTimeInterval(0.001), calendar: F.businessCalendar)
        #expect(late.state == .breached)
        #expect(late.responseSeconds == 300)
    }

    @Test("response_seconds counts business time only, across the weekend")
    func responseSecondsAcrossWeekend() {
        let start = F.berlinTime(2026, 11, 27, 16, 59)
        let sla = SLASnapshot(policyID: F.policyID, state: .running, startedAt: start, dueAt: F.berlinTime(2026, 11, 30, 9, 4))
        let result = FirstResponse.apply(to: sla, respondedAt: F.berlinTime(2026, 11, 30, 9, 1), calendar: F.businessCalendar)
        #expect(result.responseSeconds == 120)
        #expect(result.state == .met)
        // Without a calendar it is the wall clock.
        let wall = FirstResponse.apply(to: sla, respondedAt: start.addingTimeInterval(90), calendar: nil)
        #expect(wall.responseSeconds == 90)
    }

    @Test("a breached clock answered later stays breached and still gets its response time")
    func breachedThenAnswered() {
        var sla = runningSLA
        sla.state = .breached
        sla.breachedAt = sla.dueAt
        let result = FirstResponse.apply(to: sla, respondedAt: F.berlinTime(2026, 11, 30, 10, 0), calendar: F.businessCalendar)
        #expect(result.state == .breached)
        #expect(result.responseSeconds == 3600)
        #expect(result.breachedAt == sla.dueAt)
    }

    @Test("without a clock only responded_at is recorded; a second response changes nothing")
    func noClockAndSecondResponse() {
        let none = SLASnapshot(policyID: nil, state: .none)
        let at = F.fridayEvening
        #expect(FirstResponse.apply(to: none, respondedAt: at, calendar: nil) == SLASnapshot(policyID: nil, state: .none, respondedAt: at))

        let first = FirstResponse.apply(to: runningSLA, respondedAt: F.berlinTime(2026, 11, 30, 9, 1), calendar: F.businessCalendar)
        let second = FirstResponse.apply(to: first, respondedAt: F.berlinTime(2026, 11, 30, 11, 0), calendar: F.businessCalendar)
        #expect(second == first)
    }

    @Test("the lead after its first response is responded")
    func leadResponded() {
        let lead = F.plan().lead
        let responded = FirstResponse.apply(to: lead, respondedAt: F.berlinTime(2026, 11, 30, 9, 1), calendar: F.businessCalendar)
        #expect(responded.status == .responded)
        #expect(responded.sla.state == .met)
        #expect(responded.ownerID == lead.ownerID)
    }

    @Test("reassignment with restart_on_reassign starts a new clock from now")
    func reassignRestarts() throws {
        var lead = F.plan().lead
        lead.sla.warnedAt = F.berlinTime(2026, 11, 30, 9, 4)
        let now = F.berlinTime(2026, 11, 30, 10, 0)
        let policy = F.policy(restart: true)
        let ids = LeadFixtures.IDs()
        ids.next = 2000
        let (after, clock) = Reassignment.plan(
            lead: lead, to: F.owner(F.ben, "Ben"), policy: policy, calendar: F.businessCalendar, now: now, newID: ids.callAsFunction
        )
        let newClock = try #require(clock)
        #expect(after.ownerID == F.ben)
        #expect(after.status == .assigned)
        #expect(newClock.startedAt == now)
        #expect(newClock.dueAt == F.berlinTime(2026, 11, 30, 10, 5))
        #expect(newClock.timers.map(\.kind) == [.warning, .breach])
        #expect(newClock.timers.map(\.id) == [F.id(2000), F.id(2001)])
        #expect(after.sla == SLASnapshot(policyID: F.policyID, state: .running, startedAt: now, dueAt: newClock.dueAt))
        #expect(after.sla.warnedAt == nil)
    }

    @Test("reassignment without restart keeps the clock; a responded lead never restarts")
    func reassignKeepsClock() {
        let lead = F.plan().lead
        let now = F.berlinTime(2026, 11, 30, 10, 0)
        let (kept, none) = Reassignment.plan(
            lead: lead, to: F.owner(F.ben, "Ben"), policy: F.policy(restart: false), calendar: F.businessCalendar,
            now: now, newID: LeadFixtures.IDs().callAsFunction
        )
        #expect(none == nil)
        #expect(kept.ownerID == F.ben)
        #expect(kept.sla == lead.sla)

        let responded = FirstResponse.apply(to: lead, respondedAt: F.berlinTime(2026, 11, 30, 9, 1), calendar: F.businessCalendar)
        let (stillResponded, noClock) = Reassignment.plan(
            lead: responded, to: F.owner(F.ben, "Ben"), policy: F.policy(restart: true), calendar: F.businessCalendar,
            now: now, newID: LeadFixtures.IDs().callAsFunction
        )
        #expect(noClock == nil)
        #expect(stillResponded.status == .responded)
        #expect(stillResponded.sla == responded.sla)
        #expect(stillResponded.ownerID == F.ben)
    }

    @Test("an unassigned lead reassigned becomes assigned")
    func unassignedBecomesAssigned() {
        let lead = F.plan(F.submission(country: "IT")).lead
        let (after, clock) = Reassignment.plan(
            lead: lead, to: F.owner(F.ana, "Ana"), policy: nil, calendar: nil, now: F.fridayEvening,
            newID: LeadFixtures.IDs().callAsFunction
        )
        #expect(after.status == .assigned)
        #expect(after.ownerID == F.ana)
        #expect(clock == nil)
    }
}
