import Foundation

/// Subject and plain-text body of the email an event sends: who the lead is,
/// who owns it, the deadline in the reader's time zone, what happened, and
/// every quiz answer — the owner should be able to call without opening
/// anything else.
public struct LeadEmailContent: Sendable, Equatable {
    public var subject: String
    public var body: String

    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    /// Times are shown in `timeZone`, by default the owner's (UTC when there is
    /// no owner or the zone is unknown); relative times are measured from `now`.
    public init(event: HandoffEvent, timeZone: TimeZone? = nil, now: Date) {
        let zone = timeZone
            ?? event.data.owner.flatMap { TimeZone(identifier: $0.timezone) }
            ?? TimeZone(identifier: "UTC")
            ?? TimeZone.current
        self.init(subject: Self.subject(event, zone, now), body: Self.body(event, zone, now))
    }

    private static func subject(_ event: HandoffEvent, _ zone: TimeZone, _ now: Date) -> String {
        let lead = event.data.lead
        let sla = event.data.sla
        let name = lead.displayName
        let score = AnswerText.number(lead.score)
        switch event.type {
        case .leadAssigned:
            let due = sla.dueAt.map { " — respond by \(DeadlineText.absolute($0, in: zone))" } ?? ""
            return "New lead: \(name) (score \(score))\(due)"
        case .leadUnassigned:
            return "Unassigned lead: \(name) (score \(score)) — no owner found"
        case .slaWarning:
            let due = sla.dueAt.map { " — due \(DeadlineText.relative($0, now: now))" } ?? ""
            return "SLA warning: \(name)\(due)"
        case .slaBreached:
            let due = sla.dueAt.map { " by \(DeadlineText.absolute($0, in: zone))" } ?? ""
            return "SLA breached: no response to \(name)\(due)"
        case .leadEscalated:
            let step = event.data.escalation.map { " (step \($0.step))" } ?? ""
            return "Escalated\(step): \(name) still has no response"
        case .leadResponded:
            let outcome: String
            switch sla.state {
            case .met: outcome = " — SLA met"
            case .breached: outcome = " — SLA breached"
            case .running, .none: outcome = ""
            }
            return "Responded: \(name)\(outcome)"
        }
    }

    private static func body(_ event: HandoffEvent, _ zone: TimeZone, _ now: Date) -> String {
        let lead = event.data.lead
        let sla = event.data.sla
        var lines: [String] = [opening(event), ""]

        var facts: [(String, String)] = [("Lead", lead.displayName)]
        if let email = lead.email { facts.append(("Email", email)) }
        if let phone = lead.phone, !phone.isEmpty { facts.append(("Phone", phone)) }
        facts.append(("Score", AnswerText.number(lead.score)))
        if let externalID = lead.externalID, !externalID.isEmpty { facts.append(("External id", externalID)) }
        if let owner = event.data.owner {
            facts.append(("Owner", "\(owner.name) <\(owner.email)>"))
        } else {
            facts.append(("Owner", "nobody yet"))
        }
        if let due = sla.dueAt { facts.append(("Respond by", DeadlineText.format(due, in: zone, now: now))) }
        if let breached = sla.breachedAt { facts.append(("Breached", DeadlineText.format(breached, in: zone, now: now))) }
        if let seconds = sla.responseSeconds { facts.append(("Response time", DeadlineText.duration(seconds: seconds))) }
        facts.append(("SLA", sla.state.rawValue))
        let width = facts.map(\.0.count).max() ?? 0
        for (label, value) in facts {
            lines.append("\(label):" + String(repeating: " ", count: width - label.count + 1) + value)
        }

        if let escalation = event.data.escalation {
            lines.append("")
            var line = "Escalation step \(escalation.step): \(escalation.action.rawValue)"
            if let from = escalation.fromOwnerID { line += ", from owner \(from.lowercasedString)" }
            if let to = escalation.toOwnerID { line += ", to owner \(to.lowercasedString)" }
            lines.append(line + ".")
        }
        if event.data.late == true {
            let by = event.data.lateByMs.map { " by \(DeadlineText.duration(seconds: $0 / 1000))" } ?? ""
            lines.append("")
            lines.append("This notice fired late\(by): its timer was overdue, e.g. after a restart.")
        }

        let answers = AnswerText.sorted(lead.answers)
        let heading = "Answers (\(answers.count))"
        lines += ["", heading, String(repeating: "-", count: heading.count)]
        if answers.isEmpty { lines.append("(none)") }
        for (question, answer) in answers {
            lines += item(question, AnswerText.text(answer))
        }
        if !lead.attributes.isEmpty {
            lines += ["", "Attributes", String(repeating: "-", count: 10)]
            for (key, value) in AnswerText.sorted(lead.attributes) {
                lines += item(key, AnswerText.text(value))
            }
        }

        lines += [
            "",
            "--",
            "Lead \(lead.id.lowercasedString), event \(event.type.rawValue) \(event.id.lowercasedString)"
                + " at \(RFC3339Timestamp.format(event.createdAt)).",
            "Sent by Handoff. Record your first response to stop the clock.",
        ]
        return lines.joined(separator: "\n")
    }

    private static func opening(_ event: HandoffEvent) -> String {
        let owner = event.data.owner.map { " for \($0.name)" } ?? ""
        switch event.type {
        case .leadAssigned: return "A new qualified lead was assigned\(owner)."
        case .leadUnassigned: return "A qualified lead came in, but no routing rule, team member or fallback owner could take it. Assign it by hand."
        case .slaWarning: return "No first response yet to this lead\(owner); the SLA deadline is close."
        case .slaBreached: return "No first response was recorded to this lead\(owner) before the deadline."
        case .leadEscalated: return "This lead was escalated: it still has no first response."
        case .leadResponded: return "A first response to this lead was recorded\(owner)."
        }
    }

    /// `question: answer` on one line; a multi-line answer goes below its
    /// question, indented, so it cannot pass for another question.
    private static func item(_ key: String, _ value: String) -> [String] {
        let keyLine = EmailAddress.singleLine(key)
        let valueLines = value.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        if valueLines.count <= 1 { return ["\(keyLine): \(value)"] }
        return ["\(keyLine):"] + valueLines.map { "  \($0)" }
    }
}
