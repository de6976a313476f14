import Foundation
import HandoffCore
import Testing

@Suite("Routing conditions")
struct ConditionTests {
    static let lead = RoutingLead(
        score: 85,
        answers: [
            "Team size?": "42",
            "Budget": 5000,
            "Interests": ["CRM", "Billing"],
            "Comment": "We need it ASAP, please",
            "Newsletter": true,
            "Skipped": .null,
            "Nested": ["a": 1],
        ],
        attributes: ["country": " de ", "plan": "Enterprise", "seats": 12.5]
    )

    static func holds(_ field: String, _ op: ConditionOp, _ value: JSONValue? = nil) -> Bool {
        guard let field = ConditionField(parsing: field) else {
            Issue.record("bad field \(field)")
            return false
        }
        return Condition(field: field, op: op, value: value).holds(for: lead)
    }

    @Test("eq and neq: strings trimmed and case-insensitive, numbers numeric, booleans as booleans")
    func equality() {
        #expect(Self.holds("attributes.country", .eq, "DE"))
        #expect(!Self.holds("attributes.country", .eq, "AT"))
        #expect(Self.holds("attributes.plan", .eq, "enterprise"))
        #expect(Self.holds("score", .eq, 85))
        #expect(Self.holds("score", .eq, 85.0))
        #expect(!Self.holds("score", .eq, 80))
        #expect(Self.holds("answers.Team size?", .eq, 42), "a numeric string equals the number")
        #expect(!Self.holds("answers.Team size?", .eq, "42.0"), "two strings compare as text")
        #expect(Self.holds("answers.Budget", .eq, "5000"))
        #expect(Self.holds("answers.Newsletter", .eq, true))
        #expect(Self.holds("answers.Newsletter", .eq, "TRUE"))
        #expect(!Self.holds("answers.Newsletter", .eq, 1), "a boolean is not a number")
        #expect(!Self.holds("answers.Interests", .eq, "CRM"), "an array is not equal to one of its items")
        #expect(!Self.holds("attributes.missing", .eq, "x"))
        #expect(!Self.holds("answers.Skipped", .eq, "x"))

        #expect(Self.holds("attributes.country", .neq, "AT"))
        #expect(!Self.holds("attributes.country", .neq, "de"))
        #expect(Self.holds("attributes.missing", .neq, "DE"), "a missing field is not DE")
        #expect(Self.holds("answers.Skipped", .neq, "DE"), "null counts as missing")
        #expect(Self.holds("answers.Newsletter", .neq, 1))
    }

    @Test("in and not_in take a list; multi-select answers match on any item")
    func membership() {
        #expect(Self.holds("attributes.country", .in, ["AT", "de", "CH"]))
        #expect(!Self.holds("attributes.country", .in, ["AT", "CH"]))
        #expect(Self.holds("score", .in, [80, 85, 90]))
        #expect(Self.holds("answers.Team size?", .in, [41, 42]))
        #expect(Self.holds("answers.Interests", .in, ["billing", "ERP"]))
        #expect(!Self.holds("answers.Interests", .in, ["ERP"]))
        #expect(!Self.holds("attributes.missing", .in, ["DE"]))
        #expect(!Self.holds("attributes.country", .in, "DE"), "a non-array value never matches")

        #expect(Self.holds("attributes.country", .notIn, ["AT", "CH"]))
        #expect(!Self.holds("attributes.country", .notIn, ["DE"]))
        #expect(Self.holds("attributes.missing", .notIn, ["DE"]))
        #expect(!Self.holds("answers.Interests", .notIn, ["CRM"]))
    }

    @Test("gt, gte, lt, lte compare numbers only")
    func ordering() {
        #expect(Self.holds("score", .gt, 80))
        #expect(!Self.holds("score", .gt, 85))
        #expect(Self.holds("score", .gte, 85))
        #expect(Self.holds("score", .lt, 85.5))
        #expect(Self.holds("score", .lte, 85))
        #expect(!Self.holds("score", .lte, 84.99))
        #expect(Self.holds("answers.Team size?", .gte, 40), "numeric strings count as numbers")
        #expect(Self.holds("attributes.seats", .lt, 13))
        #expect(!Self.holds("attributes.plan", .gt, 0), "text is not a number")
        #expect(!Self.holds("answers.Newsletter", .gt, 0), "a boolean is not a number")
        #expect(!Self.holds("answers.Interests", .gt, 0))
        #expect(!Self.holds("attributes.missing", .lt, 100))
        #expect(!Self.holds("attributes.missing", .gte, -1_000_000))
        #expect(Self.holds("score", .gt, "80"), "a numeric string value compares as a number (validation refuses it anyway)")
        #expect(!Self.holds("score", .gt, "high"), "a non-numeric value never matches")
    }

    @Test("numeric strings are plain decimals only")
    func numericStrings() {
        let lead = RoutingLead(score: 0, attributes: ["a": "1e3", "b": " -2.5 ", "c": "nan", "d": "inf", "e": "0x10", "f": "1,5", "g": ".5", "h": "5."])
        func gt(_ key: String, _ value: Double) -> Bool {
            Condition(field: .attribute(key), op: .gt, value: .number(value)).holds(for: lead)
        }
        #expect(gt("a", 999))
        #expect(gt("b", -3))
        #expect(!gt("c", -1e300))
        #expect(!gt("d", 0))
        #expect(!gt("e", 0))
        #expect(!gt("f", 0))
        #expect(gt("g", 0.4))
        #expect(gt("h", 4.9))
    }

    @Test("exists: present and not null, or with false, absent or null")
    func exists() {
        #expect(Self.holds("attributes.country", .exists))
        #expect(Self.holds("attributes.country", .exists, true))
        #expect(!Self.holds("attributes.country", .exists, false))
        #expect(!Self.holds("attributes.missing", .exists))
        #expect(Self.holds("attributes.missing", .exists, false))
        #expect(!Self.holds("answers.Skipped", .exists), "null is not an answer")
        #expect(Self.holds("answers.Skipped", .exists, false))
        #expect(Self.holds("answers.Newsletter", .exists), "false-y values still exist")
    }

    @Test("contains: substring of a string, or element of an array")
    func contains() {
        #expect(Self.holds("answers.Comment", .contains, "asap"))
        #expect(!Self.holds("answers.Comment", .contains, "tomorrow"))
        #expect(Self.holds("answers.Interests", .contains, "crm"))
        #expect(!Self.holds("answers.Interests", .contains, "CR"), "array elements match whole, not by substring")
        #expect(Self.holds("answers.Team size?", .contains, 4), "a number is looked for as text")
        #expect(!Self.holds("answers.Budget", .contains, "5"), "a number field has no substrings")
        #expect(!Self.holds("answers.Nested", .contains, "a"))
        #expect(!Self.holds("attributes.missing", .contains, "x"))
    }

    @Test("fields: score, attributes.<key>, answers.<question> with the key verbatim")
    func fields() {
        #expect(ConditionField(parsing: "score") == .score)
        #expect(ConditionField(parsing: "attributes.address.country") == .attribute("address.country"))
        #expect(ConditionField(parsing: "answers.How many? (approx.)") == .answer("How many? (approx.)"))
        for bad in ["Score", "attributes.", "answers.  ", "attribute.country", "country", "", "answers"] {
            #expect(ConditionField(parsing: bad) == nil, "\(bad) accepted")
        }
        #expect(ConditionField.attribute("country").description == "attributes.country")
        #expect(Condition(field: .attribute("country"), op: .in, value: ["DE", "AT"]).text == "attributes.country in [\"DE\",\"AT\"]")
        #expect(Condition(field: .score, op: .gte, value: 80).text == "score gte 80")
        #expect(Condition(field: .answer("x"), op: .exists).text == "answers.x exists")
    }

    @Test("validation checks field, op and the value each op needs")
    func validation() {
        func fields(_ field: String?, _ op: String?, _ value: JSONValue?) -> [String] {
            Condition.validate(field: field, op: op, value: value, path: "conditions[0]").map(\.field)
        }
        #expect(fields("score", "gte", 80).isEmpty)
        #expect(fields("attributes.country", "in", ["DE", "AT"]).isEmpty)
        #expect(fields("answers.q1", "exists", nil).isEmpty)
        #expect(fields("answers.q1", "exists", .null).isEmpty)
        #expect(fields("answers.q1", "exists", false).isEmpty)
        #expect(fields("answers.q1", "contains", "x").isEmpty)
        #expect(fields("attributes.vip", "eq", true).isEmpty)

        #expect(fields(nil, nil, nil) == ["conditions[0].field", "conditions[0].op"])
        #expect(fields("region", "equals", "x") == ["conditions[0].field", "conditions[0].op"])
        #expect(fields("attributes.", "eq", "x") == ["conditions[0].field"])
        #expect(fields("attributes.country", "eq", nil) == ["conditions[0].value"])
        #expect(fields("attributes.country", "eq", ["DE"]) == ["conditions[0].value"])
        #expect(fields("attributes.country", "eq", ["a": 1]) == ["conditions[0].value"])
        #expect(fields("attributes.country", "in", []) == ["conditions[0].value"])
        #expect(fields("attributes.country", "not_in", "DE") == ["conditions[0].value"])
        #expect(fields("attributes.country", "in", ["DE", ["AT"]]) == ["conditions[0].value"])
        #expect(fields("attributes.seats", "gt", "10") == ["conditions[0].value"])
        #expect(fields("attributes.seats", "lte", nil) == ["conditions[0].value"])
        #expect(fields("answers.q1", "exists", "yes") == ["conditions[0].value"])
        #expect(fields("answers.q1", "contains", nil) == ["conditions[0].value"])
        #expect(fields("score", "eq", "80") == ["conditions[0].value"])
        #expect(fields("score", "in", [80, "90"]) == ["conditions[0].value"])
        #expect(fields("score", "exists", nil) == ["conditions[0].op"])
        #expect(fields("score", "contains", 8) == ["conditions[0].op"])

        let message = Condition.validate(field: "x", op: "like", value: nil, path: "c").first { $0.field == "c.op" }?.message
        #expect(message == "must be one of eq, neq, in, not_in, gt, gte, lt, lte, exists, contains")
    }

    @Test("a whole list parses with indexed paths; none at all is a catch-all")
    func parseAll() throws {
        let conditions = try Condition.parseAll([
            ConditionInput(field: "score", op: "gte", value: 80),
            ConditionInput(field: "answers.q", op: "exists", value: .null),
        ]).get()
        #expect(conditions == [Condition(field: .score, op: .gte, value: 80), Condition(field: .answer("q"), op: .exists)])
        #expect(try Condition.parseAll(nil).get().isEmpty)

        guard case .failure(let failure) = Condition.parseAll([
            ConditionInput(field: "score", op: "gte", value: 80),
            ConditionInput(field: "score", op: "gte", value: "high"),
            ConditionInput(field: "bogus", op: "eq", value: 1),
        ]) else {
            Issue.record("invalid conditions accepted")
            return
        }
        #expect(failure.errors.map(\.field) == ["conditions[1].value", "conditions[2].field"])
    }

    @Test("JSON values and conditions round-trip through JSON")
    func codable() throws {
        let json = #"{"field":"answers.Interests","op":"not_in","value":["CRM",3,true,null,{"k":1.5}]}"#
        let condition = try JSONDecoder().decode(Condition.self, from: Data(json.utf8))
        #expect(condition.field == .answer("Interests"))
        #expect(condition.op == .notIn)
        #expect(condition.value == .array(["CRM", 3, true, .null, ["k": 1.5]]))
        let again = try JSONDecoder().decode(Condition.self, from: JSONEncoder().encode(condition))
        #expect(again == condition)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("false".utf8)) == .bool(false))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("0".utf8)) == .number(0))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("true".utf8)) == .bool(true))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(#""true""#.utf8)) == .string("true"))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(#""1""#.utf8)) == .string("1"))
        let negativeZero = try JSONDecoder().decode(JSONValue.self, from: Data("-0".utf8))
        guard case .number(let zero) = negativeZero else { Issue.record("-0 read as \(negativeZero)"); return }
        #expect(zero == 0 && zero.sign == .minus)
        #expect(JSONValue.string("say \"hi\"\n").jsonText == #""say \"hi\"\n""#)
    }
}
