import Foundation

/// The body POSTed to a Slack incoming webhook for one event: Block Kit
/// blocks for people, and `text` for notifications and clients without blocks.
///
/// Built to Slack's limits (https://api.slack.com/reference/block-kit/blocks):
/// at most 50 blocks, 10 fields per section, 3,000 characters of section text,
/// 2,000 per field, 150 in a header. Everything a tenant or a visitor typed is
/// escaped (`&`, `<`, `>`) so an answer cannot ping `<!channel>` or forge a link.
public struct SlackMessage: Encodable, Sendable, Equatable {
    public static let maxBlocks = 50
    public static let maxFieldsPerSection = 10
    public static let maxSectionText = 3000
    public static let maxFieldText = 2000
    public static let maxHeaderText = 150
    public static let maxFallbackText = 3000

    public var text: String
    public var blocks: [SlackBlock]

    public init(text: String, blocks: [SlackBlock]) {
        self.text = text
        self.blocks = blocks
    }

    /// The message for `event`. Times are shown in `timeZone`, by default the
    /// owner's (UTC when there is no owner or the zone is unknown); "in 5 min"
    /// is measured from `now`.
    public init(event: HandoffEvent, timeZone: TimeZone? = nil, now: Date) {
        let zone = timeZone
            ?? event.data.owner.flatMap { TimeZone(identifier: $0.timezone) }
            ?? TimeZone(identifier: "UTC")
            ?? TimeZone.current
        self = SlackComposer(event: event, timeZone: zone, now: now).message()
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public func encodedJSON() throws -> [UInt8] {
        Array(try Self.encoder.encode(self))
    }

    /// Slack's escaping for text it parses as mrkdwn.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Escapes `text` and cuts it, with an ellipsis, so the result fits
    /// `limit` UTF-16 units (counting as strictly as Slack may). Cutting
    /// before escaping keeps an entity such as `&amp;` whole.
    static func escape(_ text: String, limit: Int) -> String {
        let full = escape(text)
        if full.utf16.count <= limit { return full }
        var result = ""
        var used = 0
        for character in text {
            let piece = escape(String(character))
            if used + piece.utf16.count > limit - 1 { break }
            result += piece
            used += piece.utf16.count
        }
        return result + "…"
    }

    /// Cuts text that is already mrkdwn, at a line break when there is one.
    static func truncate(_ text: String, limit: Int) -> String {
        if text.utf16.count <= limit { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = String(character).utf16.count
            if used + size > limit - 1 { break }
            result.append(character)
            used += size
        }
        if let lastBreak = result.lastIndex(of: "\n") { result = String(result[..<lastBreak]) }
        return result + "…"
    }
}

/// The Block Kit blocks this service sends.
public enum SlackBlock: Encodable, Sendable, Equatable {
    /// Plain text, shown large.
    case header(String)
    /// mrkdwn text and/or up to 10 mrkdwn fields shown in two columns.
    case section(text: String?, fields: [String])
    /// Small grey mrkdwn lines.
    case context([String])
    case divider

    private enum Keys: String, CodingKey {
        case type, text, fields, elements, emoji
    }

    private struct TextObject: Encodable {
        var type: String
        var text: String
        var emoji: Bool?
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .header(let text):
            try container.encode("header", forKey: .type)
            try container.encode(TextObject(type: "plain_text", text: text, emoji: true), forKey: .text)
        case .section(let text, let fields):
            try container.encode("section", forKey: .type)
            if let text { try container.encode(TextObject(type: "mrkdwn", text: text), forKey: .text) }
            if !fields.isEmpty {
                try container.encode(fields.map { TextObject(type: "mrkdwn", text: $0) }, forKey: .fields)
            }
        case .context(let elements):
            try container.encode("context", forKey: .type)
            try container.encode(elements.map { TextObject(type: "mrkdwn", text: $0) }, forKey: .elements)
        case .divider:
            try container.encode("divider", forKey: .type)
        }
    }
}

/// Lays one event out as blocks; kept apart from the value type so the
/// message itself stays a plain, comparable value.
private struct SlackComposer {
    let event: HandoffEvent
    let timeZone: TimeZone
    let now: Date

    private var lead: LeadSnapshot { event.data.lead }
    private var sla: SLASnapshot { event.data.sla }
    private var owner: OwnerSnapshot? { event.data.owner }

    init(event: HandoffEvent, timeZone: TimeZone, now: Date) {
        self.event = event
        self.timeZone = timeZone
        self.now = now
    }

    func message() -> SlackMessage {
        var blocks: [SlackBlock] = [.header(header()), leadSection()]
        if let happened = whatHappened() {
            blocks.append(.section(text: SlackMessage.truncate(happened, limit: SlackMessage.maxSectionText), fields: []))
        }
        let footer = SlackBlock.context([footerText()])
        // The divider and the footer are always there; whatever is left of
        // the 50 blocks goes to answer sections.
        let room = SlackMessage.maxBlocks - blocks.count - 2
        blocks.append(.divider)
        blocks.append(contentsOf: answerBlocks(room: room))
        blocks.append(footer)
        return SlackMessage(text: fallbackText(), blocks: blocks)
    }

    private func header() -> String {
        let name = lead.displayName
        let text: String
        switch event.type {
        case .leadAssigned: text = "🔥 New qualified lead: \(name)"
        case .leadUnassigned: text = "⚠️ No owner for lead: \(name)"
        case .slaWarning: text = "⏰ SLA warning: \(name)" + (sla.dueAt.map { ", due \(DeadlineText.relative($0, now: now))" } ?? "")
        case .slaBreached: text = "🚨 SLA breached: \(name)"
        case .leadEscalated: text = "⬆️ Lead escalated: \(name)"
        case .leadResponded: text = "✅ Lead responded to: \(name)"
        }
        // Header text is plain_text: Slack shows it verbatim, no escaping.
        return SlackMessage.truncate(text, limit: SlackMessage.maxHeaderText)
    }

    private func leadSection() -> SlackBlock {
        // An erased lead (a retried delivery of its scrubbed event) has no e-mail.
        var contact = lead.email.map { [emailLink($0)] } ?? []
        if let phone = lead.phone, !phone.isEmpty { contact.append(phoneLink(phone)) }
        var text = "*\(SlackMessage.escape(lead.displayName, limit: 500))*\n" + contact.joined(separator: "  ·  ")
        if let externalID = lead.externalID, !externalID.isEmpty {
            text += "\nExternal id: `\(SlackMessage.escape(externalID, limit: 200))`"
        }
        var fields = [
            "*Score*\n\(AnswerText.number(lead.score))",
            "*Owner*\n\(ownerText())",
        ]
        if let due = sla.dueAt {
            fields.append("*Respond by*\n\(DeadlineText.format(due, in: timeZone, now: now))")
        }
        fields.append("*SLA*\n\(sla.state.rawValue)")
        return .section(text: SlackMessage.truncate(text, limit: SlackMessage.maxSectionText), fields: fields)
    }

    private func ownerText() -> String {
        guard let owner else { return "_nobody yet_" }
        let name = SlackMessage.escape(owner.name, limit: 200)
        // Only a well-formed member id becomes a mention; anything else could
        // smuggle `<!channel>` or a link into the message.
        if let slackID = owner.slackUserID, !slackID.isEmpty, slackID.count <= 32,
           slackID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            return "<@\(slackID)> (\(name))"
        }
        return name
    }

    private func emailLink(_ email: String) -> String {
        let safe = !email.contains(where: { "<>|& ".contains($0) || $0.isNewline })
        return safe ? "<mailto:\(email)|\(email)>" : SlackMessage.escape(email, limit: 320)
    }

    /// `tel:` needs digits and an optional leading `+`; the label keeps the
    /// number as the visitor typed it.
    private func phoneLink(_ phone: String) -> String {
        let digits = phone.filter { $0.isASCII && $0.isNumber }
        let label = SlackMessage.escape(phone, limit: 64)
        guard digits.count >= 3 else { return label }
        let plus = phone.trimmingCharacters(in: .whitespaces).hasPrefix("+") ? "+" : ""
        return "<tel:\(plus)\(digits)|\(label)>"
    }

    private func whatHappened() -> String? {
        var lines: [String] = []
        switch event.type {
        case .leadAssigned:
            break
        case .leadUnassigned:
            lines.append("No routing rule, team member or fallback owner could take this lead. Assign it by hand so the clock can start.")
        case .slaWarning:
            if let due = sla.dueAt {
                lines.append("No first response yet. The SLA is breached at \(DeadlineText.format(due, in: timeZone, now: now)).")
            }
        case .slaBreached:
            let deadline = sla.dueAt.map { " by \(DeadlineText.absolute($0, in: timeZone))" } ?? ""
            let when = sla.breachedAt.map { " Breached \(DeadlineText.relative($0, now: now))." } ?? ""
            lines.append("*No first response was recorded\(deadline).*\(when)")
        case .leadEscalated:
            lines.append(escalationText())
        case .leadResponded:
            var line = "First response recorded"
            if let seconds = sla.responseSeconds { line += " after \(DeadlineText.duration(seconds: seconds))" }
            switch sla.state {
            case .met: line += ": SLA met."
            case .breached: line += ": after the deadline, SLA breached."
            case .running, .none: line += "."
            }
            lines.append(line)
        }
        if event.data.late == true {
            let by = event.data.lateByMs.map { " by \(DeadlineText.duration(seconds: $0 / 1000))" } ?? ""
            lines.append("_This notice fired late\(by): its timer was overdue, e.g. after a restart._")
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    private func escalationText() -> String {
        guard let escalation = event.data.escalation else {
            return "*Escalated:* the lead is still waiting for a first response."
        }
        switch escalation.action {
        case .notify:
            return "*Escalation step \(escalation.step):* the lead is still waiting for a first response."
        case .reassign:
            var line = "*Escalation step \(escalation.step):* reassigned"
            if let from = escalation.fromOwnerID { line += " from owner `\(from.lowercasedString)`" }
            if let owner, escalation.toOwnerID == nil || escalation.toOwnerID == owner.id {
                line += " to \(SlackMessage.escape(owner.name, limit: 200))"
            } else if let to = escalation.toOwnerID {
                line += " to owner `\(to.lowercasedString)`"
            }
            return line + "."
        }
    }

    /// One field per answer, ten to a section, as many sections as the
    /// remaining blocks allow; the rest are counted, not silently dropped.
    private func answerBlocks(room: Int) -> [SlackBlock] {
        let answers = AnswerText.sorted(lead.answers)
        guard !answers.isEmpty else { return [.section(text: "*Answers*\n_none_", fields: [])] }
        let fields = answers.map { answer -> String in
            let question = SlackMessage.escape(answer.key, limit: 300)
            let budget = SlackMessage.maxFieldText - question.utf16.count - 4
            return "*\(question)*\n" + SlackMessage.escape(AnswerText.text(answer.value), limit: budget)
        }
        var chunks = stride(from: 0, to: fields.count, by: SlackMessage.maxFieldsPerSection).map {
            Array(fields[$0..<min($0 + SlackMessage.maxFieldsPerSection, fields.count)])
        }
        let heading = "*Answers* (\(answers.count))"
        guard chunks.count > room else {
            return chunks.enumerated().map { index, chunk in .section(text: index == 0 ? heading : nil, fields: chunk) }
        }
        let kept = max(0, room - 1)
        chunks = Array(chunks.prefix(kept))
        let shown = chunks.reduce(0) { $0 + $1.count }
        var blocks: [SlackBlock] = chunks.enumerated().map { index, chunk in
            .section(text: index == 0 ? heading : nil, fields: chunk)
        }
        blocks.append(.section(text: "_…and \(answers.count - shown) more answers; see lead `\(lead.id.lowercasedString)` in Handoff._", fields: []))
        return blocks
    }

    private func footerText() -> String {
        "Lead `\(lead.id.lowercasedString)` · `\(event.type.rawValue)` · event `\(event.id.lowercasedString)`"
    }

    private func fallbackText() -> String {
        let name = SlackMessage.escape(lead.displayName, limit: 300)
        let who = "\(name)\(lead.email.map { " (\(SlackMessage.escape($0, limit: 320)))" } ?? ""), score \(AnswerText.number(lead.score))"
        let ownerPart = owner.map { " for \(SlackMessage.escape($0.name, limit: 200))" } ?? ""
        let due = sla.dueAt.map { DeadlineText.format($0, in: timeZone, now: now) }
        let text: String
        switch event.type {
        case .leadAssigned:
            text = "New qualified lead \(who)\(ownerPart)" + (due.map { " — respond by \($0)" } ?? "")
        case .leadUnassigned:
            text = "No owner could be found for lead \(who); assign it by hand"
        case .slaWarning:
            text = "SLA warning: \(who)\(ownerPart)" + (due.map { " — due \($0)" } ?? "")
        case .slaBreached:
            text = "SLA breached: no first response to \(who)\(ownerPart)"
        case .leadEscalated:
            text = "Lead escalated: \(who)\(ownerPart)"
        case .leadResponded:
            text = "Lead responded to: \(who)\(ownerPart)"
        }
        return SlackMessage.truncate(text, limit: SlackMessage.maxFallbackText)
    }
}
