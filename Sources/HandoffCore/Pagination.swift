import Foundation

/// `?limit=&cursor=` as PRODUCT.md fixes them: 1–200, default 50, and an opaque
/// cursor that names the last id of the previous page (ids are time-ordered).
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maxLimit = 200

    public var limit: Int
    public var after: UUID?

    public init(limit: Int = PageRequest.defaultLimit, after: UUID? = nil) {
        self.limit = limit
        self.after = after
    }

    /// Validates the raw query values, reporting every problem.
    public static func parse(limit: Int?, cursor: String?) -> Result<PageRequest, ValidationFailure> {
        var validator = Validator()
        let limit = limit ?? defaultLimit
        validator.check((1...maxLimit).contains(limit), "limit", "must be between 1 and \(maxLimit)")
        var after: UUID?
        if let cursor, !cursor.isEmpty {
            after = PageCursor.decode(cursor)
            validator.check(after != nil, "cursor", "is not a cursor this API returned; start again without it")
        }
        guard validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        return .success(PageRequest(limit: limit, after: after))
    }
}

public enum PageCursor {
    public static func encode(_ id: UUID) -> String {
        Data(id.lowercasedString.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ cursor: String) -> UUID? {
        var padded = cursor
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8) else { return nil }
        return UUID(uuidString: text)
    }

    /// The next cursor for a page fetched with `limit + 1` rows: present only when more remain.
    public static func next<T>(_ rows: [T], limit: Int, id: (T) -> UUID) -> (page: [T], next: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let page = Array(rows.prefix(limit))
        return (page, page.last.map { encode(id($0)) })
    }
}

/// Field-level validation errors, reported as one 422.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]
    public init(errors: [FieldError]) { self.errors = errors }
}
