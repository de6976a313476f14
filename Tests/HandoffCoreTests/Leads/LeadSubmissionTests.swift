import Foundation
import HandoffCore
import Testing

@Suite("Lead submission validation")
struct LeadSubmissionTests {
    let funnelID = UUID(uuidString: "00000000-0000-0000-0000-000000000040")!

    func errors(_ input: LeadSubmissionInput) -> [FieldError] {
        if case .failure(let failure) = LeadSubmission.validate(input) { return failure.errors }
        return []
    }

    @Test("decodes the snake_case body")
    func decodes() throws {
        let json = """
        {"funnel_id": "00000000-0000-0000-0000-000000000040", "external_id": "q-1", "email": " a@b.co ",
         "score": 80, "answers": {"size": "11-50", "tools": ["hubspot"]}, "attributes": {"country": "DE"}}
        """
        let input = try JSONDecoder().decode(LeadSubmissionInput.self, from: Data(json.utf8))
        let submission = try LeadSubmission.validate(input).get()
        #expect(submission == LeadSubmission(
            funnelID: funnelID, externalID: "q-1", email: "a@b.co", score: 80,
            answers: ["size": "11-50", "tools": ["hubspot"]], attributes: ["country": "DE"]
        ))
    }

    @Test("an empty body reports every required field at once")
    func requiredFields() {
        #expect(errors(LeadSubmissionInput()).map(\.field) == ["funnel_id", "email", "score"])
    }

    @Test("every problem at once")
    func allErrors() {
        var answers: [String: JSONValue] = ["": "blank key"]
        for index in 0..<200 { answers["q\(index)"] = .number(Double(index)) }
        let input = LeadSubmissionInput(
            funnelID: funnelID, externalID: String(repeating: "x", count: 201), email: "not-an-email",
            name: String(repeating: "n", count: 201), phone: String(repeating: "1", count: 41), score: .nan,
            answers: answers, attributes: [String(repeating: "k", count: 201): true]
        )
        let fields = errors(input).map(\.field)
        #expect(fields.contains("email"))
        #expect(fields.contains("score"))
        #expect(fields.contains("name"))
        #expect(fields.contains("phone"))
        #expect(fields.contains("external_id"))
        #expect(fields.filter { $0 == "answers" }.count == 2)  // too many keys, and a blank one
        #expect(fields.contains { $0.hasPrefix("attributes.") })
        #expect(fields.count == 8)
    }

    @Test("strings are trimmed; blank optional texts count as absent; infinity is refused")
    func trimming() throws {
        let input = LeadSubmissionInput(
            funnelID: funnelID, externalID: "  ", email: "  ana@example.com\n", name: "  Lena ", phone: "", score: 12.5
        )
        let submission = try LeadSubmission.validate(input).get()
        #expect(submission.email == "ana@example.com")
        #expect(submission.name == "Lena")
        #expect(submission.phone == nil)
        #expect(submission.externalID == nil)
        #expect(submission.answers.isEmpty && submission.attributes.isEmpty)

        let infinite = LeadSubmissionInput(funnelID: funnelID, email: "a@b.co", score: .infinity)
        #expect(errors(infinite).map(\.field) == ["score"])
        #expect(errors(LeadSubmissionInput(funnelID: funnelID, email: "  ", score: 1)).map(\.message) == ["must not be blank"])
    }
}
