import Foundation
import HandoffCore
import HandoffOpenAPI
import HandoffStore

extension APIHandlers {
    /// HTTP requests for this operation are served by `LeadIntakeRoute`, which
    /// skips the generated layer's JSON; this conformance gives the same lead.
    func createLead(_ input: Operations.CreateLead.Input) async throws -> Operations.CreateLead.Output {
        .created(.init(body: .json(try .init(try await intakeLead()))))
    }

    /// `POST /v1/leads`: the request body's lead, validated, stored with its
    /// clock, timers, events and deliveries in one transaction.
    func intakeLead() async throws -> LeadSnapshot {
        let tenantID = try RequestIdentity.tenantID()
        let submission = try LeadSubmission.validate(RequestBody.decode(LeadSubmissionInput.self)).orThrow()
        let (configuration, funnel) = try await funnel(of: submission, tenantID: tenantID)
        let plan = try await mapLeadErrors {
            try await intakeGate.admit {
                try await leads.intake(
                    submission, funnel: funnel, configuration: configuration, tenantID: tenantID, now: clock(),
                    idempotency: IntakeIdempotency.current
                )
            }
        }
        if !plan.timers.isEmpty || !plan.deliveries.isEmpty { outbox.raise() }
        return plan.lead
    }

    func simulateRouting(_ input: Operations.SimulateRouting.Input) async throws -> Operations.SimulateRouting.Output {
        let tenantID = try RequestIdentity.tenantID()
        let submission = try LeadSubmission.validate(RequestBody.decode(LeadSubmissionInput.self)).orThrow()
        let (configuration, funnel) = try await funnel(of: submission, tenantID: tenantID)
        let state = try await leads.routingState(tenantID: tenantID)
        let now = clock()
        // The next turn is shown, not taken: nothing is stored.
        let plan = IntakePlanner.plan(
            submission: submission, funnel: funnel, configuration: configuration,
            openLeads: state.openLeads, turns: state.turns, tenantID: tenantID, now: now, newID: { .v7(at: now) }
        )
        return .ok(.init(body: .json(.init(
            qualified: plan.qualified, ruleId: .init(plan.routing?.ruleID?.lowercasedString), ownerId: .init(plan.lead.ownerID?.lowercasedString),
            dueAt: .init(plan.lead.sla.dueAt), trace: plan.routing?.trace ?? ["score \(submission.score) is below the funnel's qualify_min_score \(funnel.qualifyMinScore): not qualified"]
        ))))
    }

    func listLeads(_ input: Operations.ListLeads.Input) async throws -> Operations.ListLeads.Output {
        let tenantID = try RequestIdentity.tenantID()
        let query = input.query
        // The document's enum is LeadOrder's raw values; the middleware refused any other.
        let sort = query.sort.flatMap { LeadOrder(rawValue: $0.rawValue) }
        let page = try LeadPageRequest.parse(sort: sort, limit: query.limit, cursor: query.cursor).orThrow()
        var v = Validator()
        let ownerID = v.id(query.ownerId, "owner_id")
        let funnelID = v.id(query.funnelId, "funnel_id")
        guard v.isValid else { throw Problem.validation(v.errors) }
        let filter = LeadFilter(
            status: query.status?.rawValue, slaState: query.slaState?.rawValue, ownerID: ownerID, funnelID: funnelID,
            createdAfter: query.createdAfter, createdBefore: query.createdBefore,
            externalID: query.externalId, email: query.email?.trimmingWhitespace()
        )
        let (rows, next) = try await leads.list(tenantID: tenantID, filter: filter, page: page)
        return .ok(.init(body: .json(.init(data: try rows.map { try Components.Schemas.Lead($0) }, nextCursor: .init(next)))))
    }

    func getLead(_ input: Operations.GetLead.Input) async throws -> Operations.GetLead.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "lead")
        guard let detail = try await leads.get(id, tenantID: tenantID) else { throw Problem.notFound("lead") }
        return .ok(.init(body: .json(.init(
            value1: try .init(detail.lead),
            value2: .init(
                timeline: try detail.timeline.map(Components.Schemas.Event.init),
                routing: try wire(detail.routing ?? RoutingRecord(ruleID: nil, strategy: nil, trace: []))
            )
        ))))
    }

    func createLeadResponse(_ input: Operations.CreateLeadResponse.Input) async throws -> Operations.CreateLeadResponse.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "lead")
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send a JSON body.") }
        var v = Validator()
        let channel = v.oneOf(body.channel, "channel", as: ResponseChannel.self)
        let ownerID = v.id(body.ownerId, "owner_id")
        guard let channel, v.isValid else { throw Problem.validation(v.errors) }
        let configuration = try await configurationCache.configuration(tenantID: tenantID)
        let lead = try await mapLeadErrors {
            try await leads.respond(
                leadID: id, channel: channel.rawValue, ownerID: ownerID, respondedAt: body.respondedAt,
                configuration: configuration, tenantID: tenantID, now: clock()
            )
        }
        guard let lead else { throw Problem.notFound("lead") }
        outbox.raise()
        return .created(.init(body: .json(try .init(lead))))
    }

    func reassignLead(_ input: Operations.ReassignLead.Input) async throws -> Operations.ReassignLead.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "lead")
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send a JSON body.") }
        var v = Validator()
        v.check(body.ownerId != nil, "owner_id", "is required")
        let ownerID = v.id(body.ownerId, "owner_id")
        guard let ownerID, v.isValid else { throw Problem.validation(v.errors) }
        let configuration = try await configurationCache.configuration(tenantID: tenantID)
        let lead = try await mapLeadErrors {
            try await leads.reassign(leadID: id, ownerID: ownerID, configuration: configuration, tenantID: tenantID, now: clock())
        }
        guard let lead else { throw Problem.notFound("lead") }
        outbox.raise()
        return .ok(.init(body: .json(try .init(lead))))
    }

    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let tenantID = try RequestIdentity.tenantID()
        let page = try PageRequest.parse(limit: input.query.limit, cursor: input.query.cursor).orThrow()
        var v = Validator()
        let leadID = v.id(input.query.leadId, "lead_id")
        guard v.isValid else { throw Problem.validation(v.errors) }
        let (events, next) = try await leads.events(tenantID: tenantID, leadID: leadID, type: input.query._type?.rawValue, page: page)
        return .ok(.init(body: .json(.init(data: try events.map(Components.Schemas.Event.init), nextCursor: .init(next)))))
    }

    // MARK: -

    /// The submission's funnel from this tenant's configuration; unknown,
    /// another tenant's and inactive funnels are field errors.
    private func funnel(of submission: LeadSubmission, tenantID: UUID) async throws -> (TenantConfiguration, Funnel) {
        let configuration = try await configurationCache.configuration(tenantID: tenantID)
        guard let funnel = configuration.funnels[submission.funnelID] else {
            throw Problem.validation([ConfigReference(field: "funnel_id", kind: .funnel, id: submission.funnelID).missingError])
        }
        guard funnel.active else {
            throw Problem.validation([FieldError(field: "funnel_id", message: "names an inactive funnel; activate it to accept leads")])
        }
        return (configuration, funnel)
    }

    private func mapLeadErrors<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch LeadWriteError.invalid(let errors) {
            throw Problem.validation(errors)
        } catch LeadWriteError.conflict(let detail) {
            throw Problem.conflict(detail)
        }
    }
}

extension APIHandlers {
    /// `DELETE /v1/leads/{id}`: the lead's personal data erased everywhere,
    /// an anonymous tombstone kept. A second erasure is the same 204 (see
    /// openapi.yaml): DELETE is idempotent, and the tombstone still exists.
    func eraseLead(_ input: Operations.EraseLead.Input) async throws -> Operations.EraseLead.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "lead")
        switch try await leads.erase(leadID: id, tenantID: tenantID, now: clock()) {
        case .erased, .alreadyErased: return .noContent(.init())
        case .notFound: throw Problem.notFound("lead")
        }
    }
}
