import Foundation
import OpenAPIRuntime

/// Timestamps on the wire: written as RFC 3339 UTC with milliseconds
/// (`2026-11-25T09:05:00.000Z`), read with or without fractional seconds.
struct RFC3339DateTranscoder: DateTranscoder {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    func encode(_ date: Date) throws -> String {
        Self.withFraction.format(date)
    }

    func decode(_ string: String) throws -> Date {
        if let date = try? Self.withFraction.parse(string) { return date }
        if let date = try? Self.withoutFraction.parse(string) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date, got '\(string)'"))
    }
}
