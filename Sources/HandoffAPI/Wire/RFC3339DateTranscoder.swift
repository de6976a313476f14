import Foundation
import HandoffCore
import OpenAPIRuntime

/// Timestamps on the wire: written as RFC 3339 UTC with milliseconds
/// (`2026-11-25T09:05:00.000Z`), read with or without fractional seconds —
/// the same text webhook payloads carry.
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        RFC3339Timestamp.format(date)
    }

    func decode(_ string: String) throws -> Date {
        guard let date = RFC3339Timestamp.parse(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: Self.rejection + string))
        }
        return date
    }

    private static let rejection = "Expected an RFC 3339 date, got: "

    /// The text a rejection was about, from its description.
    static func rejectedValue(_ description: String) -> String? {
        guard let range = description.range(of: rejection) else { return nil }
        return String(description[range.upperBound...])
    }
}
