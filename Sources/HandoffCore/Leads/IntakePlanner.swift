import Foundation

/// One delivery row to insert: `event` to `channel`.
public struct PlannedDelivery: Sendable, Equatable {
    public var id: UUID
    public var eventID: UUID
    public var channelID: UUID

    public init(id: UUID, eventID: UUID, channelID: UUID) {
        self.id = id
        self.eventID = eventID
        self.channelID = channelID
    }
}

/// Everything the intake transaction writes for one submission.
public struct IntakePlan: Sendable {
    /// Status unqualified, unassigned or assigned; the SLA running when qualified and
    /// the policy exists, `none` otherwise.
    public var lead: LeadSnapshot
    /// Nil when unqualified.
    public var routing: RoutingDecision?
    /// The policy whose clock runs, nil when none does.
    public var policy: SLAPolicy?
    /// Empty when unqualified or without a policy. An unassigned lead's clock runs too:
    /// a lead nobody owns is exactly the leak the warning and escalations are for.
    public var timers: [PlannedTimer]
    /// `lead.assigned` or `lead.unassigned` when qualified; none when unqualified.
    public var events: [HandoffEvent]
    /// One per (event, active channel subscribed to its type).
    public var deliveries: [PlannedDelivery]
    /// `routing.turn`: the store compares-and-sets the team's counter from `turn` to `next`.
    public var turn: RoutingTurn?

    public var qualified: Bool { routing != nil }

    public init(
        lead: LeadSnapshot, routing: RoutingDecision?, policy: SLAPolicy? = nil, timers: [PlannedTimer],
        events: [HandoffEvent], deliveries: [PlannedDelivery], turn: RoutingTurn?
    ) {
        self.lead = lead
        self.routing = routing
        self.policy = policy
        self.timers = timers
        self.events = events
        self.deliveries = deliveries
        self.turn = turn
    }
}

/// Intake as one pure decision: qualify, route, start the clock, and say which events
/// and deliveries to write, all from the inputs, so `POST /v1/leads` and
/// `POST /v1/routing/simulate` agree by construction.
///
/// `newID` is called in a fixed order (lead, timers, events, deliveries) so tests can
/// predict every id.
public enum IntakePlanner {
    /// - qualified: `score >= funnel.qualify_min_score`; an unqualified lead is stored and
    ///   nothing else happens (no routing, clock, event or delivery).
    /// - The policy is the matching rule's `sla_policy_id`, else the funnel's. A policy
    ///   missing from `configuration` (deleted) starts no clock: state `none`, and the
    ///   routing trace says so.
    /// - Event data: the lead after routing, the owner (nil when unassigned) and the SLA.
    public static func plan(
        submission: LeadSubmission, funnel: Funnel, configuration: TenantConfiguration,
        openLeads: [UUID: Int], turns: [UUID: Int64], tenantID: UUID, now: Date, newID: () -> UUID
    ) -> IntakePlan {
        let routing = route(
            submission: submission, funnel: funnel, configuration: configuration, openLeads: openLeads, turns: turns, now: now
        )
        return plan(
            submission: submission, funnel: funnel, configuration: configuration, routing: routing,
            tenantID: tenantID, now: now, newID: newID
        )
    }

    /// The routing decision for a submission, nil when it does not qualify. Apart from
    /// `plan`, so intake can route first and read the owners' open leads only when
    /// the decision says it depends on them.
    public static func route(
        submission: LeadSubmission, funnel: Funnel, configuration: TenantConfiguration,
        openLeads: [UUID: Int], turns: [UUID: Int64], now: Date
    ) -> RoutingDecision? {
        guard submission.score >= funnel.qualifyMinScore else { return nil }
        return Router.route(
            lead: submission.routingLead,
            rules: configuration.rules(forFunnel: funnel.id),
            owners: configuration.candidates(openLeads: openLeads),
            teams: configuration.teamCandidates,
            fallbackOwnerID: funnel.fallbackOwnerID,
            turns: turns,
            now: now
        )
    }

    /// The plan for a submission routed by `route(…)` with the same inputs: `routing`
    /// is nil exactly when the submission does not qualify.
    public static func plan(
        submission: LeadSubmission, funnel: Funnel, configuration: TenantConfiguration,
        routing: RoutingDecision?, tenantID: UUID, now: Date, newID: () -> UUID
    ) -> IntakePlan {
        let leadID = newID()
        var lead = LeadSnapshot(
            id: leadID, funnelID: funnel.id, externalID: submission.externalID, email: submission.email,
            name: submission.name, phone: submission.phone, score: submission.score,
            answers: submission.answers, attributes: submission.attributes,
            status: .unqualified, ownerID: nil, sla: SLASnapshot(policyID: nil, state: .none), createdAt: now
        )
        guard var routing else {
            return IntakePlan(lead: lead, routing: nil, timers: [], events: [], deliveries: [], turn: nil)
        }
        lead.ownerID = routing.ownerID
        lead.status = routing.ownerID == nil ? .unassigned : .assigned

        let policyID = routing.slaPolicyID ?? funnel.slaPolicyID
        let source = routing.slaPolicyID == nil ? "the funnel's" : "the matching rule's"
        var timers: [PlannedTimer] = []
        var policy: SLAPolicy?
        if let found = configuration.policies[policyID] {
            policy = found
            let calendar = configuration.calendar(for: found)
            let plan = SLASchedule.plan(policy: found, calendar: calendar, start: now, newID: newID)
            lead.sla = plan.snapshot(policyID: found.id)
            timers = plan.timers
            var line = "SLA policy \(found.name) (\(source)): \(found.targetSeconds) s"
            if let calendarID = found.calendarID {
                line += calendar == nil
                    ? "; its calendar \(calendarID.lowercasedString) was not found, so counted on the wall clock"
                    : " of business time"
            }
            routing.trace.append(line + ", due \(RFC3339Timestamp.format(plan.dueAt))")
        } else {
            routing.trace.append("SLA policy \(policyID.lowercasedString) (\(source)) was not found (deleted?): no clock runs for this lead")
        }

        let type: EventType = lead.ownerID == nil ? .leadUnassigned : .leadAssigned
        let (event, deliveries) = LeadEvents.plan(
            type: type, data: EventData(lead: lead, owner: configuration.ownerSnapshot(lead.ownerID)),
            configuration: configuration, tenantID: tenantID, now: now, newID: newID
        )
        return IntakePlan(
            lead: lead, routing: routing, policy: policy, timers: timers,
            events: [event], deliveries: deliveries, turn: routing.turn
        )
    }
}

/// An event and its deliveries, for every place that fires one (intake, responses,
/// reassignment, timers), so fan-out follows one rule.
public enum LeadEvents {
    /// The event (id first from `newID`), then one delivery per active channel
    /// subscribed to `type`, oldest channel first.
    public static func plan(
        type: EventType, data: EventData, configuration: TenantConfiguration, tenantID: UUID, now: Date, newID: () -> UUID
    ) -> (event: HandoffEvent, deliveries: [PlannedDelivery]) {
        let event = HandoffEvent(id: newID(), type: type, createdAt: now, tenantID: tenantID, data: data)
        let deliveries = configuration.channels(for: type).map {
            PlannedDelivery(id: newID(), eventID: event.id, channelID: $0.id)
        }
        return (event, deliveries)
    }
}
