import Foundation

/// A pending timer the engine holds, with its lead locked: the same row a
/// clock planned, read back.
public typealias DueTimer = PlannedTimer

/// A timer that is closed without an event, and why (logged, not announced).
public struct SkippedTimer: Sendable, Equatable {
    public var id: UUID
    public var reason: String

    public init(id: UUID, reason: String) {
        self.id = id
        self.reason = reason
    }
}

/// Everything firing one lead's due timers changes, written in the transaction
/// that marks them fired.
public struct TimerFiringPlan: Sendable {
    /// The lead after every firing; `leadChanged` says whether to write it.
    public var lead: LeadSnapshot
    public var leadChanged: Bool
    /// Set `fired_at`.
    public var fired: [UUID]
    /// Set `cancelled_at`: nothing to announce (the lead was answered, or the
    /// policy no longer has the escalation step).
    public var skipped: [SkippedTimer]
    /// In firing order, ids increasing, so the timeline (ordered by id) reads
    /// warning, breach, escalation even when they fire in the same millisecond.
    public var events: [HandoffEvent]
    public var deliveries: [PlannedDelivery]
    /// A reassign escalation under `restart_on_reassign` started a new clock:
    /// the store cancels every other pending timer of the lead (the old
    /// clock's, including due ones not listed in `fired`) and inserts these.
    public var newClock: SLAPlan?
    /// Open-lead count changes per owner.
    public var loadChanges: [UUID: Int]

    public init(lead: LeadSnapshot) {
        self.lead = lead
        self.leadChanged = false
        self.fired = []
        self.skipped = []
        self.events = []
        self.deliveries = []
        self.newClock = nil
        self.loadChanges = [:]
    }
}

/// How late a timer fired: `late` once it is more than `TimerFiring.lateAfter`
/// past its instant (after a restart, or an engine that was starved);
/// `milliseconds` is reported either way.
public struct Lateness: Sendable, Equatable {
    public var late: Bool
    public var milliseconds: Int

    public init(dueAt: Date, firedAt: Date, tolerance: TimeInterval = TimerFiring.lateAfter) {
        let seconds = max(0, firedAt.timeIntervalSince(dueAt))
        late = seconds > tolerance
        milliseconds = Int((seconds * 1000).rounded())
    }
}

/// What a timer does when it fires, as a pure function of the locked lead, the
/// tenant's configuration and the instant. The store only reads and writes.
public enum TimerFiring {
    /// The product promises events within a second of their instant.
    public static let lateAfter: TimeInterval = 1

    /// Fires `due` (the lead's due, pending timers) in due order at `now`:
    /// - a lead with a first response fires nothing; its timers are skipped
    ///   (a response cancels them in its own transaction, so this only
    ///   guards against a timer written after it);
    /// - `warning` sets `warned_at` to the firing instant and sends `sla.warning`;
    /// - `breach` sets the state `breached` and `breached_at` to the deadline
    ///   (the SLA was missed then, however late the engine noticed), `sla.breached`;
    /// - `escalation` step n runs `policy.escalations[n-1]`: `notify` sends
    ///   `lead.escalated`; `reassign` re-routes (see ``escalationTarget``) and
    ///   sends `lead.escalated` naming both owners; with `restart_on_reassign`
    ///   a new clock starts at `now` and the old clock's remaining timers are
    ///   dropped. A step the policy no longer has (edited or deleted since the
    ///   timer was planned) is skipped.
    /// Every event carries `late` and `late_by_ms`.
    public static func plan(
        lead: LeadSnapshot, due: [DueTimer], configuration: TenantConfiguration, openLeads: [UUID: Int],
        tenantID: UUID, now: Date, newID: () -> UUID
    ) -> TimerFiringPlan {
        var plan = TimerFiringPlan(lead: lead)
        let ordered = due.sorted { $0.dueAt != $1.dueAt ? $0.dueAt < $1.dueAt : $0.id.uuidString < $1.id.uuidString }
        for timer in ordered {
            // The old clock is gone; the store cancels what is left of it.
            if plan.newClock != nil { break }
            if plan.lead.sla.respondedAt != nil || plan.lead.status == .responded {
                plan.skipped.append(SkippedTimer(id: timer.id, reason: "the lead was answered"))
                continue
            }
            let lateness = Lateness(dueAt: timer.dueAt, firedAt: now)
            switch timer.kind {
            case .warning:
                plan.lead.sla.warnedAt = now
                plan.leadChanged = true
                announce(.slaWarning, &plan, escalation: nil, lateness, configuration, tenantID, now, newID)
            case .breach:
                plan.lead.sla.state = .breached
                plan.lead.sla.breachedAt = timer.dueAt
                plan.leadChanged = true
                announce(.slaBreached, &plan, escalation: nil, lateness, configuration, tenantID, now, newID)
            case .escalation:
                escalate(timer, &plan, lateness, configuration, openLeads, tenantID, now, newID)
            }
            plan.fired.append(timer.id)
        }
        return plan
    }

    private static func escalate(
        _ timer: DueTimer, _ plan: inout TimerFiringPlan, _ lateness: Lateness, _ configuration: TenantConfiguration,
        _ openLeads: [UUID: Int], _ tenantID: UUID, _ now: Date, _ newID: () -> UUID
    ) {
        let number = timer.step ?? 1
        guard let policy = plan.lead.sla.policyID.flatMap({ configuration.policies[$0] }),
              let step = SLASchedule.escalationStep(number, of: policy)
        else {
            plan.skipped.append(SkippedTimer(id: timer.id, reason: "the SLA policy no longer has escalation step \(number)"))
            return
        }
        switch step.action {
        case .notify:
            announce(.leadEscalated, &plan, escalation: EscalationDetail(step: number, action: .notify), lateness, configuration, tenantID, now, newID)
        case .reassign:
            let from = plan.lead.ownerID
            guard let targetID = escalationTarget(step, lead: plan.lead, configuration: configuration, openLeads: openLeads, now: now),
                  targetID != from, let target = configuration.owners[targetID]
            else {
                // Nobody (else) can take it: still tell the channels the step ran.
                let detail = EscalationDetail(step: number, action: .reassign, fromOwnerID: from, toOwnerID: nil)
                announce(.leadEscalated, &plan, escalation: detail, lateness, configuration, tenantID, now, newID)
                return
            }
            let before = plan.lead
            let (moved, clock) = Reassignment.plan(
                lead: before, to: target, policy: policy, calendar: configuration.calendar(for: policy), now: now, newID: newID
            )
            plan.lead = moved
            plan.leadChanged = true
            if before.status == .assigned, let from { plan.loadChanges[from, default: 0] -= 1 }
            if moved.status == .assigned { plan.loadChanges[targetID, default: 0] += 1 }
            plan.newClock = clock
            let detail = EscalationDetail(step: number, action: .reassign, fromOwnerID: from, toOwnerID: targetID)
            announce(.leadEscalated, &plan, escalation: detail, lateness, configuration, tenantID, now, newID)
        }
    }

    /// Who a `reassign` step hands the lead to: its `owner_id` when available,
    /// else the least-loaded available member of its `team_id` other than the
    /// current owner (an escalation moves the lead away from whoever let it
    /// slip). Availability is routing's: active, not away, under capacity, in
    /// hours. Least-loaded rather than round robin: an escalation is rare and
    /// must not take a turn counter lock inside the timer transaction.
    public static func escalationTarget(
        _ step: EscalationStep, lead: LeadSnapshot, configuration: TenantConfiguration, openLeads: [UUID: Int], now: Date
    ) -> UUID? {
        let assign: Assignment
        if let ownerID = step.ownerID {
            assign = .owner(ownerID)
        } else if let teamID = step.teamID {
            assign = .leastLoaded(team: teamID)
        } else {
            return nil
        }
        var owners = configuration.candidates(openLeads: openLeads)
        if step.ownerID == nil, let current = lead.ownerID { owners[current]?.active = false }
        let rule = RoutingRule(id: escalationRuleID, name: "escalation step \(step.action.rawValue)", position: 0, conditions: [], assign: assign)
        let decision = Router.route(
            lead: RoutingLead(score: lead.score, answers: lead.answers, attributes: lead.attributes),
            rules: [rule], owners: owners, teams: configuration.teamCandidates, fallbackOwnerID: nil, turns: [:], now: now
        )
        return decision.ownerID
    }

    private static let escalationRuleID = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    private static func announce(
        _ type: EventType, _ plan: inout TimerFiringPlan, escalation: EscalationDetail?, _ lateness: Lateness,
        _ configuration: TenantConfiguration, _ tenantID: UUID, _ now: Date, _ newID: () -> UUID
    ) {
        let data = EventData(
            lead: plan.lead, owner: configuration.ownerSnapshot(plan.lead.ownerID), escalation: escalation,
            late: lateness.late, lateByMs: lateness.milliseconds
        )
        let (event, deliveries) = LeadEvents.plan(
            type: type, data: data, configuration: configuration, tenantID: tenantID, now: now, newID: newID
        )
        plan.events.append(event)
        plan.deliveries.append(contentsOf: deliveries)
    }
}

/// Version 7 ids at one instant that still sort in the order they were made:
/// the first is random after the timestamp, each next one is the previous plus
/// one, so events written in the same millisecond keep their firing order.
public struct AscendingIDs: Sendable {
    private var last: UUID?
    private let at: Date

    public init(at instant: Date) {
        self.at = instant
    }

    public mutating func next() -> UUID {
        guard let last else {
            let first = UUID.v7(at: at)
            self.last = first
            return first
        }
        var bytes = withUnsafeBytes(of: last.uuid) { Array($0) }
        // rand_b: bytes 8 (low 6 bits; the top two are the variant) to 15.
        var index = 15
        while index >= 8 {
            if index == 8 {
                bytes[8] = 0x80 | ((bytes[8] &+ 1) & 0x3F)
                break
            }
            bytes[index] &+= 1
            if bytes[index] != 0 { break }
            index -= 1
        }
        let next = UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
        self.last = next
        return next
    }
}
