import Foundation
import HandoffCore
import Testing

@Suite("Email messages")
struct EmailMessageTests {
    let date = Date(timeIntervalSince1970: 1_795_683_900)

    func message(subject: String = "Neuer Lead: Jürgen Müller", body: String = "Hallo Anna,\n\nbitte anrufen.\n", fromName: String? = "Handoff") throws -> EmailMessage {
        EmailMessage(
            from: try #require(EmailAddress(address: "alerts@handoff.test", name: fromName)),
            to: [try #require(EmailAddress(address: "anna@example.com", name: "Anna Schmidt")), try #require(EmailAddress(address: "ben@example.com"))],
            subject: subject, body: body, date: date, messageID: "<fixed@handoff.test>"
        )
    }

    func rendered(_ message: EmailMessage) -> (headers: [String], body: String, raw: String) {
        let raw = String(decoding: message.rendered(), as: UTF8.self)
        let parts = raw.components(separatedBy: "\r\n\r\n")
        return (parts[0].components(separatedBy: "\r\n"), parts.dropFirst().joined(separator: "\r\n\r\n"), raw)
    }

    /// The unfolded value of a header.
    func header(_ name: String, in lines: [String]) -> String? {
        var value: String?
        for line in lines {
            if line.hasPrefix("\(name): ") {
                value = String(line.dropFirst(name.count + 2))
            } else if let current = value, line.hasPrefix(" ") {
                value = current + line
            } else if value != nil {
                break
            }
        }
        return value
    }

    /// RFC 2047 decoding, for B-encoded UTF-8 words, enough to check ours.
    func decodeWords(_ value: String) -> String {
        let words = value.split(separator: " ")
        guard words.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return value }
        let bytes = words.flatMap { word -> [UInt8] in
            Array(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data())
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 2045 quoted-printable decoding.
    func decodeQP(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
               let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("headers: MIME, UTF-8 quoted-printable, date, message id, and a non-ASCII subject as encoded-words")
    func headers() throws {
        let (headers, _, raw) = rendered(try message())
        #expect(header("MIME-Version", in: headers) == "1.0")
        #expect(header("Content-Type", in: headers) == "text/plain; charset=utf-8")
        #expect(header("Content-Transfer-Encoding", in: headers) == "quoted-printable")
        #expect(header("Date", in: headers) == "Thu, 26 Nov 2026 09:05:00 +0000")
        #expect(header("Message-ID", in: headers) == "<fixed@handoff.test>")
        #expect(header("Auto-Submitted", in: headers) == "auto-generated")
        #expect(header("From", in: headers) == "\"Handoff\" <alerts@handoff.test>")
        #expect(header("To", in: headers) == "\"Anna Schmidt\" <anna@example.com>, ben@example.com")
        let subject = try #require(header("Subject", in: headers))
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(decodeWords(subject) == "Neuer Lead: Jürgen Müller")
        // 7-bit, CRLF only, short lines.
        #expect(raw.utf8.allSatisfy { $0 < 0x80 })
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in raw.components(separatedBy: "\r\n") {
            #expect(line.count <= 78, "\(line)")
        }
    }

    @Test("a long subject with many umlauts splits into words between characters")
    func longSubject() throws {
        let subject = String(repeating: "Größenänderung für Ürsula ✅ ", count: 8)
        let (headers, _, _) = rendered(try message(subject: subject))
        let value = try #require(header("Subject", in: headers))
        #expect(decodeWords(value) == subject.replacingOccurrences(of: "\n", with: " "))
        #expect(headers.filter { $0.hasPrefix(" =?UTF-8?B?") }.count > 3)
    }

    @Test("plain ASCII stays readable; quotes in names are escaped; non-ASCII names are encoded")
    func asciiAndNames() throws {
        let (headers, _, _) = rendered(try message(subject: "New lead: Jane (score 87)", fromName: "Ops \"Team\""))
        #expect(header("Subject", in: headers) == "New lead: Jane (score 87)")
        #expect(header("From", in: headers) == #""Ops \"Team\"" <alerts@handoff.test>"#)
        let (encoded, _, _) = rendered(try message(fromName: "Ärger-Bot"))
        let from = try #require(header("From", in: encoded))
        #expect(from.hasSuffix(" <alerts@handoff.test>"))
        #expect(decodeWords(String(from.dropLast(" <alerts@handoff.test>".count))) == "Ärger-Bot")
    }

    @Test("a line break in a subject cannot start a header of its own")
    func headerInjection() throws {
        let (headers, _, _) = rendered(try message(subject: "Hi\r\nBcc: victim@example.com"))
        #expect(!headers.contains { $0.hasPrefix("Bcc:") })
        #expect(header("Subject", in: headers) == "Hi Bcc: victim@example.com")
    }

    @Test("the body is quoted-printable: round-trips, lines within 76, trailing space kept, dots left to SMTP")
    func body() throws {
        let text = "Grüße aus Köln = 100 %\n.starts with a dot\ntrailing space \n\(String(repeating: "x", count: 200))\nä\(String(repeating: "é", count: 60))"
        let (_, body, _) = rendered(try message(body: text))
        for line in body.components(separatedBy: "\r\n") {
            #expect(line.count <= 76, "\(line)")
        }
        #expect(body.contains("\r\n.starts with a dot\r\n"))
        #expect(body.contains("trailing space=20\r\n"))
        #expect(body.contains("=3D 100 %"))
        #expect(decodeQP(body).replacingOccurrences(of: "\r\n", with: "\n") == text + "\n")
    }

    @Test("addresses are checked and parsed from HANDOFF_SMTP_FROM forms")
    func addresses() throws {
        #expect(EmailAddress(parsing: "alerts@example.com") == EmailAddress(address: "alerts@example.com"))
        let named = try #require(EmailAddress(parsing: "Handoff Alerts <alerts@example.com>"))
        #expect(named.name == "Handoff Alerts")
        #expect(named.address == "alerts@example.com")
        #expect(EmailAddress(parsing: #""Ops, Team" <ops@example.com>"#)?.name == "Ops, Team")
        for bad in ["no-at-sign", "a b@example.com", "@example.com", "a@", "a@b\r\nBcc: c@d", "jürgen@example.de", "<>", "a@b@c"] {
            #expect(EmailAddress(address: bad) == nil, "\(bad)")
        }
        let message = EmailMessage(
            from: named,
            to: [try #require(EmailAddress(address: "A@example.com")), try #require(EmailAddress(address: "a@example.com")), named],
            subject: "s", body: "b", date: date
        )
        #expect(message.recipients == ["A@example.com", "alerts@example.com"])
        #expect(message.messageID.hasPrefix("<") && message.messageID.hasSuffix("@example.com>"))
    }
}

@Suite("Lead email content")
struct LeadEmailContentTests {
    let now = DeliveryFixtures.dueAt.addingTimeInterval(-300)

    @Test("a new lead's email names the lead, score and deadline, and lists every answer and attribute")
    func assigned() {
        let content = LeadEmailContent(event: DeliveryFixtures.event(), now: now)
        #expect(content.subject == "New lead: Jürgen Müller (score 87) — respond by Thu 26 Nov, 10:05 CET")
        let body = content.body
        #expect(body.hasPrefix("A new qualified lead was assigned for Anna Schmidt."))
        #expect(body.contains("Respond by:  Thu 26 Nov, 10:05 CET (in 5 min)"))
        #expect(body.contains("Phone:       +49 176 1234 5678"))
        #expect(body.contains("Answers (4)\n-----------\n"))
        for line in ["Team size: 12", "Budget: 10–50 k€", "Tools in use: HubSpot, Slack", "Decision maker?: yes", "country: DE", "utm_source: linkedin"] {
            #expect(body.contains(line), "\(line)")
        }
        #expect(body.contains("Lead 0193a1b2-c3d4-7e5f-8a9b-111111111111"))
    }

    @Test("multi-line answers are indented under their question")
    func multiLine() {
        let lead = DeliveryFixtures.lead(answers: ["Notes": .string("call after 10\n.and ask for Jo")])
        let body = LeadEmailContent(event: DeliveryFixtures.event(lead: lead), now: now).body
        #expect(body.contains("Notes:\n  call after 10\n  .and ask for Jo"))
    }

    @Test("each event kind has its own subject", arguments: [
        (EventType.leadUnassigned, "Unassigned lead: Jürgen Müller (score 87) — no owner found"),
        (.slaWarning, "SLA warning: Jürgen Müller — due in 5 min"),
        (.slaBreached, "SLA breached: no response to Jürgen Müller by Thu 26 Nov, 10:05 CET"),
        (.leadEscalated, "Escalated (step 1): Jürgen Müller still has no response"),
        (.leadResponded, "Responded: Jürgen Müller"),
    ])
    func subjects(type: EventType, expected: String) {
        let escalation = type == .leadEscalated ? EscalationDetail(step: 1, action: .notify) : nil
        let content = LeadEmailContent(event: DeliveryFixtures.event(type, escalation: escalation), now: now)
        #expect(content.subject == expected)
    }
}
