/// One reason a request was refused, tied to the field that caused it, as
/// RFC 9457 `errors: [{field, message}]`.
public struct FieldError: Sendable, Equatable, Codable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Collects every problem with an input so the caller hears about all of them at once.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) {
        if !condition { errors.append(FieldError(field: field, message: message())) }
    }

    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// A required, trimmed, non-empty text of at most `maxLength` characters (code
    /// points, as sent).
    @discardableResult
    public mutating func name(_ value: String?, _ field: String, maxLength: Int = 200) -> String? {
        guard let value else {
            fail(field, "is required")
            return nil
        }
        let trimmed = value.trimmingWhitespace()
        if trimmed.isEmpty {
            fail(field, "must not be blank")
            return nil
        }
        // The text as sent, as the document's `maxLength` measures it.
        if value.codePointCount > maxLength {
            fail(field, "must be at most \(maxLength) characters")
            return nil
        }
        return trimmed
    }

    public var isValid: Bool { errors.isEmpty }
}

import Foundation
