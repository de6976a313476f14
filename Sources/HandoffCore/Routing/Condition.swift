import Foundation

/// What a condition looks at: `score`, `attributes.<key>` or `answers.<question>`.
/// The key is everything after the first dot, verbatim: question texts contain dots
/// and spaces, and attributes are a flat map, so there is no nested path syntax.
public enum ConditionField: Sendable, Hashable, Codable, CustomStringConvertible {
    case score
    case attribute(String)
    case answer(String)

    public static let maxKeyLength = 200

    public init?(parsing text: String) {
        if text == "score" {
            self = .score
        } else if let key = ConditionField.key(text, after: "attributes.") {
            self = .attribute(key)
        } else if let key = ConditionField.key(text, after: "answers.") {
            self = .answer(key)
        } else {
            return nil
        }
    }

    private static func key(_ text: String, after prefix: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let key = String(text.dropFirst(prefix.count))
        let blank = key.trimmingWhitespace().isEmpty
        return blank || key.codePointCount > maxKeyLength ? nil : key
    }

    public var description: String {
        switch self {
        case .score: "score"
        case .attribute(let key): "attributes.\(key)"
        case .answer(let question): "answers.\(question)"
        }
    }

    /// The lead's value; nil when the lead does not have the field at all.
    public func value(in lead: RoutingLead) -> JSONValue? {
        switch self {
        case .score: .number(lead.score)
        case .attribute(let key): lead.attributes[key]
        case .answer(let question): lead.answers[question]
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let field = ConditionField(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown condition field \(text)")
        }
        self = field
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public enum ConditionOp: String, Sendable, Hashable, Codable, CaseIterable {
    case eq, neq
    case `in`
    case notIn = "not_in"
    case gt, gte, lt, lte
    case exists, contains

    /// The ops that make sense on `score`, which every lead has and is always a number.
    public static let scoreOps: [ConditionOp] = [.eq, .neq, .in, .notIn, .gt, .gte, .lt, .lte]

    static var listed: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One test on a lead. Semantics, chosen so a rule reads the way RevOps means it:
/// - Strings compare trimmed and case-insensitively (`" de "` eq `"DE"`).
/// - When either side is a number, both compare as numbers, so an answer sent as
///   `"42"` equals `42`; two strings compare as text (`"050"` is not `"50"`).
/// - A boolean equals a boolean, or the text `"true"`/`"false"`.
/// - `neq` and `not_in` are the exact negations of `eq` and `in`: a lead without the
///   field (or with `null`) is "not DE". Every other op is false on a missing field.
/// - `in` holds when the value is one of the listed ones; for an array answer
///   (multi-select), when any selected item is.
/// - `gt`/`gte`/`lt`/`lte` compare numbers only; a field that is not a number (nor a
///   numeric string) makes them false.
/// - `exists` (value `true`, the default) holds when the field is present and not null;
///   with `false`, when it is absent or null.
/// - `contains`: a substring of a string field (case-insensitive), or an element of an
///   array field (compared as `eq`).
public struct Condition: Sendable, Hashable, Codable {
    public var field: ConditionField
    public var op: ConditionOp
    public var value: JSONValue?

    public init(field: ConditionField, op: ConditionOp, value: JSONValue? = nil) {
        self.field = field
        self.op = op
        self.value = value
    }

    public func holds(for lead: RoutingLead) -> Bool {
        holds(actual: field.value(in: lead))
    }

    /// `attributes.country eq "DE"`: how traces name the condition.
    public var text: String {
        guard let value else { return "\(field) \(op.rawValue)" }
        return "\(field) \(op.rawValue) \(value.jsonText)"
    }

    func holds(actual: JSONValue?) -> Bool {
        // null counts as absent everywhere: clients send `null` for "not answered".
        let present = actual.flatMap { $0 == .null ? nil : $0 }
        switch op {
        case .exists:
            if case .bool(false) = value { return present == nil }
            return present != nil
        case .neq:
            return !Condition.holds(.eq, present, value)
        case .notIn:
            return !Condition.holds(.in, present, value)
        default:
            return Condition.holds(op, present, value)
        }
    }

    /// The positive ops; false whenever the field is missing.
    private static func holds(_ op: ConditionOp, _ actual: JSONValue?, _ expected: JSONValue?) -> Bool {
        guard let actual, let expected else { return false }
        switch op {
        case .eq:
            return ConditionValue.equal(actual, expected)
        case .in:
            guard case .array(let options) = expected else { return false }
            let candidates: [JSONValue] = if case .array(let items) = actual { items } else { [actual] }
            return candidates.contains { candidate in options.contains { ConditionValue.equal(candidate, $0) } }
        case .gt, .gte, .lt, .lte:
            guard let lhs = ConditionValue.number(actual), let rhs = ConditionValue.number(expected) else { return false }
            switch op {
            case .gt: return lhs > rhs
            case .gte: return lhs >= rhs
            case .lt: return lhs < rhs
            default: return lhs <= rhs
            }
        case .contains:
            return ConditionValue.contains(actual, expected)
        case .neq, .notIn, .exists:
            return false  // handled by the caller
        }
    }
}

/// The comparisons behind the ops, in one place so `eq`, `in` and `contains` agree.
enum ConditionValue {
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.number, _), (_, .number):
            guard let left = number(lhs), let right = number(rhs) else { return false }
            return left == right
        case (.string(let left), .string(let right)):
            return normalized(left) == normalized(right)
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.bool(let flag), .string(let text)), (.string(let text), .bool(let flag)):
            return normalized(text) == (flag ? "true" : "false")
        default:
            return false
        }
    }

    static func contains(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        switch actual {
        case .string(let text):
            guard let needle = scalarText(expected) else { return false }
            return normalized(text).contains(normalized(needle))
        case .array(let items):
            return items.contains { equal($0, expected) }
        default:
            return false
        }
    }

    /// A finite number, or a string that is plainly one (`"42"`, `" -3.5 "`, `"1e3"`).
    /// Swift's own `Double("…")` also takes `"nan"`, `"inf"` and hex, which no lead means.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number):
            return number.isFinite ? number : nil
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            guard isDecimal(trimmed), let number = Double(trimmed), number.isFinite else { return nil }
            return number
        default:
            return nil
        }
    }

    static func normalized(_ text: String) -> String {
        text.trimmingWhitespace().lowercased()
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): JSONValue.numberText(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// `[+-]digits[.digits][e[+-]digits]`, with digits on at least one side of the point.
    private static func isDecimal(_ text: String) -> Bool {
        var scalars = text.unicodeScalars[...]
        func digits() -> Int {
            let count = scalars.prefix { ("0"..."9").contains($0) }.count
            scalars = scalars.dropFirst(count)
            return count
        }
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        var mantissa = digits()
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let marker = scalars.first, marker == "e" || marker == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return scalars.isEmpty
    }
}

// MARK: - Validation

/// One `conditions` entry as the client sent it.
public struct ConditionInput: Sendable, Equatable, Codable {
    public var field: String?
    public var op: String?
    public var value: JSONValue?

    public init(field: String?, op: String?, value: JSONValue? = nil) {
        self.field = field
        self.op = op
        self.value = value
    }
}

extension Condition {
    public static let maxConditions = 50
    public static let maxListItems = 500

    /// Every problem with one condition, at `<path>.field`, `<path>.op`, `<path>.value`.
    public static func validate(field: String?, op: String?, value: JSONValue?, path: String) -> [FieldError] {
        switch parse(field: field, op: op, value: value, path: path) {
        case .success: []
        case .failure(let failure): failure.errors
        }
    }

    public static func parse(field rawField: String?, op rawOp: String?, value: JSONValue?, path: String) -> Result<Condition, ValidationFailure> {
        var validator = Validator()
        var field: ConditionField?
        if let rawField {
            field = ConditionField(parsing: rawField)
            validator.check(field != nil, "\(path).field", "must be score, attributes.<key> or answers.<question>, with a non-empty key")
        } else {
            validator.fail("\(path).field", "is required")
        }
        var op: ConditionOp?
        if let rawOp {
            op = ConditionOp(rawValue: rawOp)
            validator.check(op != nil, "\(path).op", "must be one of \(ConditionOp.listed)")
        } else {
            validator.fail("\(path).op", "is required")
        }
        if let field, let op {
            checkValue(value, field: field, op: op, path: path, into: &validator)
        }
        guard let field, let op, validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        // An explicit `null` for exists means the default, true: store it as absent.
        return .success(Condition(field: field, op: op, value: value == .null ? nil : value))
    }

    /// A rule's whole `conditions` list; none at all is allowed and always holds.
    public static func parseAll(_ inputs: [ConditionInput]?, path: String = "conditions") -> Result<[Condition], ValidationFailure> {
        let inputs = inputs ?? []
        guard inputs.count <= maxConditions else {
            return .failure(ValidationFailure(errors: [FieldError(field: path, message: "must have at most \(maxConditions) conditions")]))
        }
        var conditions: [Condition] = []
        var errors: [FieldError] = []
        for (index, input) in inputs.enumerated() {
            switch parse(field: input.field, op: input.op, value: input.value, path: "\(path)[\(index)]") {
            case .success(let condition): conditions.append(condition)
            case .failure(let failure): errors += failure.errors
            }
        }
        return errors.isEmpty ? .success(conditions) : .failure(ValidationFailure(errors: errors))
    }

    private static func checkValue(_ value: JSONValue?, field: ConditionField, op: ConditionOp, path: String, into validator: inout Validator) {
        let valuePath = "\(path).value"
        let isScore = field == .score
        if isScore, !ConditionOp.scoreOps.contains(op) {
            validator.fail("\(path).op", "cannot be used with score, which every lead has as a number; use one of \(ConditionOp.scoreOps.map(\.rawValue).joined(separator: ", "))")
            return
        }
        let present = value == .null ? nil : value
        switch op {
        case .eq, .neq, .contains:
            guard let present else { return validator.fail(valuePath, "is required for \(op.rawValue)") }
            if isScore {
                validator.check(isNumber(present), valuePath, "must be a number: score is a number")
            } else {
                validator.check(present.isScalar, valuePath, "must be a string, number or boolean")
            }
        case .in, .notIn:
            guard case .array(let items) = present, !items.isEmpty else {
                return validator.fail(valuePath, "must be a non-empty array for \(op.rawValue), e.g. [\"DE\", \"AT\"]")
            }
            validator.check(items.count <= maxListItems, valuePath, "must have at most \(maxListItems) items")
            if isScore {
                validator.check(items.allSatisfy(isNumber), valuePath, "must hold only numbers: score is a number")
            } else {
                validator.check(items.allSatisfy(\.isScalar), valuePath, "must hold only strings, numbers or booleans")
            }
        case .gt, .gte, .lt, .lte:
            guard let present, isNumber(present) else { return validator.fail(valuePath, "must be a number for \(op.rawValue)") }
        case .exists:
            guard let present else { return }
            if case .bool = present { return }
            validator.fail(valuePath, "must be true or false for exists (or left out, meaning true)")
        }
    }

    private static func isNumber(_ value: JSONValue) -> Bool {
        if case .number(let number) = value { return number.isFinite }
        return false
    }
}
