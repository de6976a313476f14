import Foundation

/// Any JSON value: quiz answers, lead attributes and condition values are free-form,
/// and routing must see them as the client sent them (a number stays a number).
public enum JSONValue: Sendable, Hashable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Each miss below is a thrown DecodingError, which is not cheap. Strings
        // come first because answers and attributes are mostly strings;
        // JSONDecoder, which reads every JSONValue here, never takes a number or
        // a boolean for one.
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let flag = try? container.decode(Bool.self) {
            // Before numbers: some decoders would read `true` as 1.
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else if let fields = try? container.decode([String: JSONValue].self) {
            self = .object(fields)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        case .array(let items): try container.encode(items)
        case .object(let fields): try container.encode(fields)
        }
    }

    /// A string, number or boolean: what a condition can compare against.
    public var isScalar: Bool {
        switch self {
        case .string, .number, .bool: true
        case .null, .array, .object: false
        }
    }

    /// Compact JSON as a person reads it in a routing trace: `"DE"`, `80`, `["DE","AT"]`.
    public var jsonText: String {
        switch self {
        case .string(let text): JSONValue.quoted(text)
        case .number(let number): JSONValue.numberText(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let fields):
            "{" + fields.sorted { $0.key < $1.key }.map { "\(JSONValue.quoted($0.key)):\($0.value.jsonText)" }.joined(separator: ",") + "}"
        }
    }

    /// `80`, not `80.0`: scores and counts are whole numbers far more often than not.
    static func numberText(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue {
    /// How the API prints a number of free-form JSON (answers, attributes): a
    /// whole one below 1e16 as an integer (`12`, `0` for -0, `9100000000000000`,
    /// never `9.1e+15`), as the OpenAPI runtime reads it back as an Int; nil for
    /// the rest, which print as Doubles.
    public static func apiInteger(_ number: Double) -> Int? {
        abs(number) < 1e16 ? Int(exactly: number) : nil
    }
}
