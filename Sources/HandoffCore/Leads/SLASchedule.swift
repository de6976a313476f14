import Foundation

/// What a durable timer does when it fires.
public enum TimerKind: String, Sendable, Codable {
    case warning, breach, escalation
}

/// One timer to insert for a lead's clock.
public struct PlannedTimer: Sendable, Equatable {
    public var id: UUID
    public var kind: TimerKind
    /// Escalations only: 1-based, as in `EscalationDetail.step`; the step is
    /// `policy.escalations[step - 1]` (see ``SLASchedule/escalationStep(_:of:)``).
    public var step: Int?
    public var dueAt: Date

    public init(id: UUID, kind: TimerKind, step: Int? = nil, dueAt: Date) {
        self.id = id
        self.kind = kind
        self.step = step
        self.dueAt = dueAt
    }
}

/// A started clock: its deadline and the timers that watch it.
public struct SLAPlan: Sendable, Equatable {
    public var startedAt: Date
    public var dueAt: Date
    /// Warning (if any), breach, then escalations in step order.
    public var timers: [PlannedTimer]

    public init(startedAt: Date, dueAt: Date, timers: [PlannedTimer]) {
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.timers = timers
    }

    /// The running SLA this plan describes.
    public func snapshot(policyID: UUID) -> SLASnapshot {
        SLASnapshot(policyID: policyID, state: .running, startedAt: startedAt, dueAt: dueAt)
    }
}

public enum SLASchedule {
    /// The clock for `policy` started at `start`:
    /// - the deadline is `target_seconds` of business time after `start` (wall time without a calendar);
    /// - the warning, when `warn_before_seconds` is set, that much business time before the
    ///   deadline, never before the start;
    /// - the breach at the deadline;
    /// - escalation step i at `after_seconds` of business time after the breach (wall time
    ///   without a calendar): an escalation that would fire at 3 a.m. pages nobody useful.
    public static func plan(policy: SLAPolicy, calendar: BusinessCalendar?, start: Date, newID: () -> UUID) -> SLAPlan {
        let due = SLAClock.dueAt(start: start, targetSeconds: policy.targetSeconds, calendar: calendar)
        var timers: [PlannedTimer] = []
        if let warn = policy.warnBeforeSeconds, warn > 0 {
            let at = SLAClock.instant(before: due, seconds: warn, notBefore: start, calendar: calendar)
            timers.append(PlannedTimer(id: newID(), kind: .warning, dueAt: at))
        }
        timers.append(PlannedTimer(id: newID(), kind: .breach, dueAt: due))
        for (index, step) in policy.escalations.enumerated() {
            let at = SLAClock.dueAt(start: due, targetSeconds: step.afterSeconds, calendar: calendar)
            timers.append(PlannedTimer(id: newID(), kind: .escalation, step: index + 1, dueAt: at))
        }
        return SLAPlan(startedAt: start, dueAt: due, timers: timers)
    }

    /// The policy's step a 1-based escalation timer refers to, or nil when the policy
    /// has since lost it (edited after the timer was planned).
    public static func escalationStep(_ step: Int, of policy: SLAPolicy) -> EscalationStep? {
        policy.escalations.indices.contains(step - 1) ? policy.escalations[step - 1] : nil
    }
}
