import Foundation

/// What the OpenAPI document says one query or path parameter accepts, so
/// that a request is judged against the contract before anything reads it,
/// and every fault is named as the parameter that caused it.
public struct ParameterRule: Sendable, Equatable {
    public enum Location: String, Sendable {
        case query, path
    }

    public enum Kind: Sendable, Equatable {
        case string(format: String?, allowed: [String]?, pattern: String?, maxLength: Int?)
        case integer(minimum: Int?, maximum: Int?)
        case number
        case boolean
    }

    public var name: String
    public var location: Location
    public var required: Bool
    public var kind: Kind

    public init(name: String, location: Location, required: Bool, kind: Kind) {
        self.name = name
        self.location = location
        self.required = required
        self.kind = kind
    }

    /// Why `values` (every occurrence of the parameter, percent-decoded) break
    /// this rule, or nil when they keep it.
    public func fault(in values: [String]) -> FieldError? {
        guard let value = values.first else {
            return required ? FieldError(field: name, message: "is required") : nil
        }
        if values.count > 1 {
            return FieldError(field: name, message: "must be given once, not \(values.count) times")
        }
        return fault(in: value).map { FieldError(field: name, message: $0) }
    }

    private func fault(in value: String) -> String? {
        // Postgres text and jsonb cannot hold U+0000, and bodies refuse it too.
        if value.unicodeScalars.contains("\u{0}") { return "must not contain the NUL character" }
        switch kind {
        case .boolean:
            return value == "true" || value == "false" ? nil : "must be true or false"
        case .number:
            return Double(value).map { $0.isFinite } == true ? nil : "must be a number"
        case .integer(let minimum, let maximum):
            guard let number = Int(value) else { return "must be an integer" + Self.range(minimum, maximum) }
            if let minimum, number < minimum { return "must be" + Self.range(minimum, maximum) }
            if let maximum, number > maximum { return "must be" + Self.range(minimum, maximum) }
            return nil
        case .string(let format, let allowed, let pattern, let maxLength):
            if let allowed, !allowed.contains(value) {
                return "must be one of: \(allowed.joined(separator: ", "))"
            }
            if let maxLength, value.codePointCount > maxLength {
                return "must be at most \(maxLength) characters"
            }
            if let format, let message = Self.formatFault(format, value) { return message }
            if let pattern, !Self.matches(pattern, value) {
                return "must match the pattern \(pattern)"
            }
            return nil
        }
    }

    private static func range(_ minimum: Int?, _ maximum: Int?) -> String {
        switch (minimum, maximum) {
        case let (minimum?, maximum?): " between \(minimum) and \(maximum)"
        case let (minimum?, nil): " of at least \(minimum)"
        case let (nil, maximum?): " of at most \(maximum)"
        case (nil, nil): ""
        }
    }

    private static func formatFault(_ format: String, _ value: String) -> String? {
        switch format {
        case "uuid":
            UUID(uuidString: value) == nil ? "must be a UUID, e.g. 0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01" : nil
        case "date-time":
            RFC3339Timestamp.parse(value) == nil ? "must be an RFC 3339 timestamp, e.g. 2026-11-25T09:00:00.000Z" : nil
        case "date":
            LocalDate(parsing: value) == nil ? "must be a date, e.g. 2026-11-25" : nil
        default:
            nil
        }
    }

    /// As in JSON Schema, a pattern matches anywhere unless it is anchored; one
    /// that does not compile refuses nothing rather than everything.
    private static func matches(_ pattern: String, _ value: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return true }
        return (try? regex.firstMatch(in: value)) != nil
    }
}
