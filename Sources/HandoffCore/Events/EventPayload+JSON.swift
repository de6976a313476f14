import Foundation

// The payload stored with each event (`events.payload`), which webhooks POST
// and sign as Postgres prints it. Written by hand, keys in sorted order, because
// it runs for every lead and every fired timer and JSONEncoder's way through
// Codable was the largest single cost of the API's intake after the round trips.
// The Codable encoding in EventPayload.swift stays for the API's reads;
// `EventPayloadTests` hold the two byte for byte equal, every optional both ways.

extension HandoffEvent {
    /// The event's JSON. Throws only for a number JSON cannot carry (NaN or
    /// infinity in an answer or the score).
    public func encodedJSON() throws -> [UInt8] {
        var writer = JSONWriter()
        try write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("created_at"); writer.timestamp(createdAt)
        writer.key("data"); try data.write(to: &writer)
        writer.key("id"); writer.id(id)
        writer.key("tenant_id"); writer.id(tenantID)
        writer.key("type"); writer.string(type.rawValue)
        writer.endObject()
    }
}

extension EventData {
    func write(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("escalation")
        if let escalation { escalation.write(to: &writer) } else { writer.null() }
        writer.key("late"); writer.bool(late)
        writer.key("late_by_ms"); writer.integer(lateByMs)
        writer.key("lead"); try lead.write(to: &writer)
        writer.key("owner")
        if let owner { owner.write(to: &writer) } else { writer.null() }
        writer.key("sla"); sla.write(to: &writer)
        writer.endObject()
    }
}

extension LeadSnapshot {
    /// The lead's keys, sorted, as events carry it and (with the API's UUID and
    /// number rules, `LeadWire.swift`) as the API answers with it.
    public func write(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("answers"); try writer.object(answers)
        writer.key("attributes"); try writer.object(attributes)
        writer.key("created_at"); writer.timestamp(createdAt)
        writer.key("email"); writer.string(email)
        if let erasedAt { writer.key("erased_at"); writer.timestamp(erasedAt) }
        writer.key("external_id"); writer.string(externalID)
        writer.key("funnel_id"); writer.id(funnelID)
        writer.key("id"); writer.id(id)
        writer.key("name"); writer.string(name)
        writer.key("owner_id"); writer.id(ownerID)
        writer.key("phone"); writer.string(phone)
        writer.key("score"); try writer.number(score)
        writer.key("sla"); sla.write(to: &writer)
        writer.key("status"); writer.string(status.rawValue)
        writer.endObject()
    }
}

extension OwnerSnapshot {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("email"); writer.string(email)
        writer.key("id"); writer.id(id)
        writer.key("name"); writer.string(name)
        writer.key("phone"); writer.string(phone)
        writer.key("slack_user_id"); writer.string(slackUserID)
        writer.key("timezone"); writer.string(timezone)
        writer.endObject()
    }
}

extension SLASnapshot {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("breached_at"); writer.timestamp(breachedAt)
        writer.key("due_at"); writer.timestamp(dueAt)
        writer.key("policy_id"); writer.id(policyID)
        writer.key("responded_at"); writer.timestamp(respondedAt)
        writer.key("response_seconds"); writer.integer(responseSeconds)
        writer.key("started_at"); writer.timestamp(startedAt)
        writer.key("state"); writer.string(state.rawValue)
        writer.key("warned_at"); writer.timestamp(warnedAt)
        writer.endObject()
    }
}

extension EscalationDetail {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("action"); writer.string(action.rawValue)
        writer.key("from_owner_id"); writer.id(fromOwnerID)
        writer.key("step"); writer.integer(step)
        writer.key("to_owner_id"); writer.id(toOwnerID)
        writer.endObject()
    }
}
