import Foundation

/// Quiz answers and lead attributes as a person reads them in Slack or email.
enum AnswerText {
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): self.number(number)
        case .bool(let flag): flag ? "yes" : "no"
        case .null: "—"
        case .array(let items): items.map(text).joined(separator: ", ")
        case .object(let fields): sorted(fields).map { "\($0.key): \(text($0.value))" }.joined(separator: "; ")
        }
    }

    /// `87`, not `87.0`, as routing traces print numbers.
    static func number(_ value: Double) -> String {
        JSONValue.numberText(value)
    }

    /// Questions in a stable, human order: `q2` before `q10`. JSON objects
    /// (and jsonb) keep no order of their own.
    static func sorted(_ fields: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        fields.sorted { lhs, rhs in
            let order = lhs.key.compare(rhs.key, options: [.numeric, .caseInsensitive])
            return order == .orderedSame ? lhs.key < rhs.key : order == .orderedAscending
        }
    }
}
