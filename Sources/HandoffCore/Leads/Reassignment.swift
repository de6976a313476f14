import Foundation

public enum Reassignment {
    /// A manual or escalation reassignment to `owner`.
    ///
    /// With `policy.restart_on_reassign` and no response yet, a new clock runs from
    /// `now` (`newClock`; the store replaces the lead's pending timers with its timers,
    /// and `warned_at`/`breached_at` are cleared). Otherwise the SLA and the old timers
    /// stay: the promise was made to the lead, not to its owner.
    ///
    /// Status: `responded` stays `responded`; anything else becomes `assigned` (a person
    /// assigning an unqualified lead has decided it is worth working; it gets no clock,
    /// since it never had a policy).
    public static func plan(
        lead: LeadSnapshot, to owner: Owner, policy: SLAPolicy?, calendar: BusinessCalendar?, now: Date, newID: () -> UUID
    ) -> (lead: LeadSnapshot, newClock: SLAPlan?) {
        var result = lead
        result.ownerID = owner.id
        let responded = lead.status == .responded || lead.sla.respondedAt != nil
        if !responded { result.status = .assigned }
        guard let policy, policy.restartOnReassign, !responded, lead.status != .unqualified else {
            return (result, nil)
        }
        let clock = SLASchedule.plan(policy: policy, calendar: calendar, start: now, newID: newID)
        result.sla = clock.snapshot(policyID: policy.id)
        return (result, clock)
    }
}
