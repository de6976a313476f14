import Foundation

public enum FirstResponse {
    /// The SLA after the first response at `respondedAt`: `met` when at or before
    /// `due_at`, else `breached`; `response_seconds` is business time from the start
    /// (0 for a response dated before the start). A lead without a clock (state `none`)
    /// just records `responded_at`. Only the first response counts: an SLA that already
    /// has `responded_at` comes back unchanged.
    public static func apply(to sla: SLASnapshot, respondedAt: Date, calendar: BusinessCalendar?) -> SLASnapshot {
        guard sla.respondedAt == nil else { return sla }
        var result = sla
        result.respondedAt = respondedAt
        guard sla.state != .none, let startedAt = sla.startedAt, let dueAt = sla.dueAt else { return result }
        result.state = respondedAt <= dueAt ? .met : .breached
        result.responseSeconds = SLAClock.businessSeconds(from: startedAt, to: respondedAt, calendar: calendar)
        return result
    }

    /// The lead after its first response: status `responded` (an unqualified lead that
    /// someone answered anyway keeps `unqualified`: it was never in the funnel's queue),
    /// and the SLA as ``apply(to:respondedAt:calendar:)``. Timers still pending for the
    /// lead are the store's to cancel.
    public static func apply(to lead: LeadSnapshot, respondedAt: Date, calendar: BusinessCalendar?) -> LeadSnapshot {
        guard lead.sla.respondedAt == nil else { return lead }
        var result = lead
        result.sla = apply(to: lead.sla, respondedAt: respondedAt, calendar: calendar)
        if lead.status != .unqualified { result.status = .responded }
        return result
    }
}
