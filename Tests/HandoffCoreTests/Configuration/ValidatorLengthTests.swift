import Foundation
import HandoffCore
import Testing

/// openapi.yaml's `maxLength` counts code points, as JSON Schema does; the
/// validator must count the same, or a client checking against the document is
/// told one thing and the API does another.
@Suite("Validator: lengths in code points")
struct ValidatorLengthTests {
    @Test("combining marks count, as in JSON Schema: 100 × e + U+0301 is 200 long, 101 × is too long")
    func combiningMarksCount() {
        var v = Validator()
        let accepted = String(repeating: "e\u{301}", count: 100)
        #expect(v.name(accepted, "name") == accepted)
        #expect(v.isValid)
        #expect(v.name(String(repeating: "e\u{301}", count: 101), "name") == nil)
        #expect(v.errors == [FieldError(field: "name", message: "must be at most 200 characters")])
    }

    @Test("the text is measured as sent: whitespace that trimming drops counts")
    func measuredAsSent() {
        var v = Validator()
        #expect(v.name(String(repeating: "x", count: 199) + " ", "name") == String(repeating: "x", count: 199))
        #expect(v.name(String(repeating: "x", count: 200) + " ", "name") == nil)
        #expect(v.errors.map(\.field) == ["name"])
    }

    @Test("a precomposed letter is one code point, an emoji with a modifier two")
    func precomposedAndEmoji() {
        var v = Validator()
        #expect(v.name(String(repeating: "\u{E9}", count: 200), "name") != nil)
        #expect(v.name(String(repeating: "👋🏽", count: 100), "name") != nil)
        #expect(v.name(String(repeating: "👋🏽", count: 101), "name") == nil)
        #expect(v.errors.map(\.field) == ["name"])
    }

    @Test("a lead's answer keys are limited the same way")
    func answerKeys() {
        let input = LeadSubmissionInput(
            funnelID: UUID(), email: "max@example.de", score: 90,
            answers: [String(repeating: "a\u{308}", count: 101): "yes"]
        )
        let result = LeadSubmission.validate(input)
        guard case .failure(let failure) = result else {
            Issue.record("a 202 code point key was accepted")
            return
        }
        #expect(failure.errors.contains { $0.field.hasPrefix("answers.") && $0.message == "keys must be at most 200 characters" })
    }
}
