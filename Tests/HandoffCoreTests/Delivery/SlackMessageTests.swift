import Foundation
import HandoffCore
import Testing

@Suite("Slack messages")
struct SlackMessageTests {
    /// Five minutes before the deadline.
    let now = DeliveryFixtures.dueAt.addingTimeInterval(-300)

    func sections(_ message: SlackMessage) -> [(text: String?, fields: [String])] {
        message.blocks.compactMap { block in
            if case .section(let text, let fields) = block { return (text, fields) }
            return nil
        }
    }

    func allText(_ message: SlackMessage) -> String {
        message.blocks.map { block -> String in
            switch block {
            case .header(let text): return text
            case .section(let text, let fields): return ([text ?? ""] + fields).joined(separator: "\n")
            case .context(let elements): return elements.joined(separator: "\n")
            case .divider: return ""
            }
        }.joined(separator: "\n") + "\n" + message.text
    }

    @Test("a new lead: who, score, owner mention, deadline in the owner's zone, every answer")
    func assigned() throws {
        let message = SlackMessage(event: DeliveryFixtures.event(), now: now)
        guard case .header(let header) = message.blocks.first else {
            Issue.record("the first block is not a header")
            return
        }
        #expect(header.contains("New qualified lead"))
        #expect(header.contains("Jürgen Müller"))
        let text = allText(message)
        #expect(text.contains("<mailto:juergen@example.de|juergen@example.de>"))
        #expect(text.contains("<tel:+4917612345678|+49 176 1234 5678>"))
        #expect(text.contains("*Score*\n87"))
        #expect(text.contains("*Owner*\n<@U024BE7LH> (Anna Schmidt)"))
        #expect(text.contains("*Respond by*\nThu 26 Nov, 10:05 CET (in 5 min)"))
        for (question, answer) in [("Team size", "12"), ("Budget", "10–50 k€"), ("Tools in use", "HubSpot, Slack"), ("Decision maker?", "yes")] {
            #expect(text.contains("*\(question)*\n\(answer)"), "\(question)")
        }
        #expect(message.text.contains("New qualified lead Jürgen Müller"))
        #expect(message.text.contains("respond by Thu 26 Nov, 10:05 CET (in 5 min)"))
    }

    @Test("the time zone can be given, and times follow it")
    func timeZones() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let message = SlackMessage(event: DeliveryFixtures.event(), timeZone: newYork, now: now)
        #expect(allText(message).contains("Thu 26 Nov, 04:05 EST (in 5 min)"))
        let unassigned = DeliveryFixtures.event(.leadUnassigned, lead: DeliveryFixtures.lead(owner: nil), owner: nil)
        let plain = SlackMessage(event: unassigned, now: now)
        #expect(allText(plain).contains("Thu 26 Nov, 09:05 UTC"))
        #expect(allText(plain).contains("_nobody yet_"))
        #expect(allText(plain).contains("Assign it by hand"))
    }

    @Test("what happened is said for each kind of event")
    func eventKinds() {
        var breachedSLA = DeliveryFixtures.sla(.breached)
        breachedSLA.breachedAt = DeliveryFixtures.dueAt
        let breached = SlackMessage(
            event: DeliveryFixtures.event(.slaBreached, lead: DeliveryFixtures.lead(sla: breachedSLA), late: true, lateByMs: 2_400),
            now: DeliveryFixtures.dueAt.addingTimeInterval(120)
        )
        #expect(allText(breached).contains("No first response was recorded by Thu 26 Nov, 10:05 CET"))
        #expect(allText(breached).contains("Breached 2 min ago"))
        #expect(allText(breached).contains("fired late by 2 s"))

        let escalated = SlackMessage(
            event: DeliveryFixtures.event(
                .leadEscalated,
                escalation: EscalationDetail(step: 2, action: .reassign, fromOwnerID: UUID(), toOwnerID: DeliveryFixtures.ownerID)
            ),
            now: now
        )
        #expect(allText(escalated).contains("Escalation step 2:* reassigned from owner"))
        #expect(allText(escalated).contains("to Anna Schmidt"))

        var metSLA = DeliveryFixtures.sla(.met)
        metSLA.responseSeconds = 192
        let responded = SlackMessage(event: DeliveryFixtures.event(.leadResponded, lead: DeliveryFixtures.lead(sla: metSLA)), now: now)
        #expect(allText(responded).contains("First response recorded after 3 min 12 s: SLA met."))

        let warning = SlackMessage(event: DeliveryFixtures.event(.slaWarning), now: now)
        if case .header(let header) = warning.blocks.first { #expect(header.contains("due in 5 min")) }
    }

    @Test("what visitors typed is escaped, so it cannot ping a channel or forge a link")
    func escaping() throws {
        let lead = DeliveryFixtures.lead(answers: ["<b>Q&A</b>": .string("<!channel> & <https://evil.example|click>")])
        var owner = DeliveryFixtures.owner
        owner.slackUserID = "U1> <!here"
        owner.name = "Anna <script>"
        let message = SlackMessage(event: DeliveryFixtures.event(lead: lead, owner: owner), now: now)
        let text = allText(message)
        #expect(text.contains("*&lt;b&gt;Q&amp;A&lt;/b&gt;*\n&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"))
        #expect(!text.contains("<!channel>"))
        #expect(!text.contains("<!here"))
        #expect(text.contains("*Owner*\nAnna &lt;script&gt;"))
        let json = String(decoding: try message.encodedJSON(), as: UTF8.self)
        #expect(!json.contains("<!channel>"))
    }

    @Test("many answers are split into sections of ten fields within 50 blocks, and the rest are counted")
    func limits() throws {
        var answers: [String: JSONValue] = [:]
        for index in 1...600 { answers["Question \(index)"] = .string("Answer \(index)") }
        answers["Question 1"] = .string(String(repeating: "long answer ", count: 500))
        let message = SlackMessage(event: DeliveryFixtures.event(lead: DeliveryFixtures.lead(answers: answers)), now: now)
        #expect(message.blocks.count <= SlackMessage.maxBlocks)
        var shown = 0
        for section in sections(message) {
            #expect(section.fields.count <= SlackMessage.maxFieldsPerSection)
            #expect((section.text ?? "").utf16.count <= SlackMessage.maxSectionText)
            for field in section.fields {
                #expect(field.utf16.count <= SlackMessage.maxFieldText)
                if field.hasPrefix("*Question ") { shown += 1 }
            }
        }
        let note = try #require(sections(message).last { $0.text?.contains("more answers") == true })
        #expect(note.text?.contains("\(600 - shown) more answers") == true)
        #expect(shown > 300)
        // Numeric order: Question 2 comes before Question 10.
        let fields = sections(message).flatMap(\.fields).filter { $0.hasPrefix("*Question ") }
        #expect(fields.prefix(3).map { $0.components(separatedBy: "*")[1] } == ["Question 1", "Question 2", "Question 3"])
        #expect(fields.first?.hasSuffix("…") == true)
    }

    @Test("the few answers of a small lead fit in one section; none is said plainly")
    func fewAnswers() {
        let message = SlackMessage(event: DeliveryFixtures.event(), now: now)
        let answerSections = sections(message).filter { $0.text?.hasPrefix("*Answers*") == true }
        #expect(answerSections.count == 1)
        #expect(answerSections.first?.fields.count == 4)
        let empty = SlackMessage(event: DeliveryFixtures.event(lead: DeliveryFixtures.lead(answers: [:])), now: now)
        #expect(allText(empty).contains("*Answers*\n_none_"))
    }

    @Test("the JSON is Block Kit: typed blocks, mrkdwn fields, a plain_text header and a fallback text")
    func json() throws {
        let bytes = try SlackMessage(event: DeliveryFixtures.event(), now: now).encodedJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["text"] is String)
        let blocks = try #require(object["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let headerText = try #require(blocks.first?["text"] as? [String: Any])
        #expect(headerText["type"] as? String == "plain_text")
        let section = try #require(blocks.first { ($0["fields"] as? [Any]) != nil })
        let field = try #require((section["fields"] as? [[String: Any]])?.first)
        #expect(field["type"] as? String == "mrkdwn")
        #expect(blocks.contains { $0["type"] as? String == "divider" })
        #expect(blocks.last?["type"] as? String == "context")
    }
}

@Suite("Deadline text")
struct DeadlineTextTests {
    let due = DeliveryFixtures.dueAt

    @Test("relative times round to the minute", arguments: [
        (-300.0, "in 5 min"), (-299.0, "in 5 min"), (-20.0, "now"), (0.0, "now"), (720.0, "12 min ago"),
        (-7_500.0, "in 2 h 5 min"), (-7_200.0, "in 2 h"), (-93_600.0, "in 1 d 2 h"), (172_800.0, "2 d ago"),
    ])
    func relative(offset: Double, expected: String) {
        #expect(DeadlineText.relative(due, now: due.addingTimeInterval(offset)) == expected)
    }

    @Test("zones are named as people in them name them", arguments: [
        ("Europe/Berlin", "Thu 26 Nov, 10:05 CET"),
        ("America/New_York", "Thu 26 Nov, 04:05 EST"),
        ("Europe/London", "Thu 26 Nov, 09:05 GMT"),
        ("Asia/Kolkata", "Thu 26 Nov, 14:35 IST"),
        ("Australia/Sydney", "Thu 26 Nov, 20:05 AEDT"),
        ("UTC", "Thu 26 Nov, 09:05 UTC"),
        ("America/Sao_Paulo", "Thu 26 Nov, 06:05 GMT-3"),
    ])
    func zones(identifier: String, expected: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        #expect(DeadlineText.absolute(due, in: zone) == expected)
    }

    @Test("summer time gets its own name")
    func summerTime() throws {
        let july = Date(timeIntervalSince1970: 1_784_000_000)  // 2026-07-14T03:33:20Z
        #expect(DeadlineText.absolute(july, in: try #require(TimeZone(identifier: "Europe/Berlin"))) == "Tue 14 Jul, 05:33 CEST")
    }

    @Test("durations", arguments: [(45, "45 s"), (192, "3 min 12 s"), (180, "3 min"), (4_800, "1 h 20 min"), (90_000, "1 d 1 h")])
    func durations(seconds: Int, expected: String) {
        #expect(DeadlineText.duration(seconds: seconds) == expected)
    }
}
