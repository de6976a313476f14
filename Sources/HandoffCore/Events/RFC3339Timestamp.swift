import Foundation

/// Timestamps as every client reads them: RFC 3339, UTC, always three
/// fractional digits (`2026-11-26T09:05:00.000Z`).
///
/// Formatting goes through whole milliseconds first because
/// `Date.ISO8601FormatStyle(includingFractionalSeconds:)` truncates the binary
/// fraction and prints `.122` for a date built from `….123`; a webhook body
/// that disagrees with the API by a millisecond would break clients that join
/// on timestamps.
public enum RFC3339Timestamp {
    private static let wholeSeconds = Date.ISO8601FormatStyle()
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, remainder) = millis.quotientAndRemainder(dividingBy: 1000)
        // Dates before 1970 have a negative remainder; borrow a second so the
        // fraction stays in 0...999.
        let (wholeSecond, fraction) = remainder < 0 ? (seconds - 1, remainder + 1000) : (seconds, remainder)
        let base = wholeSeconds.format(Date(timeIntervalSince1970: TimeInterval(wholeSecond)))
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 3 - digits.count) + digits
        return "\(base.dropLast()).\(padded)Z"
    }

    /// Reads RFC 3339 with or without fractional seconds; nil when it is
    /// neither. The result is whole milliseconds, the wire's precision, so a
    /// date read back equals the one written (the parser alone is off by
    /// binary-fraction noise).
    public static func parse(_ text: String) -> Date? {
        guard let date = (try? withFraction.parse(text)) ?? (try? wholeSeconds.parse(text)) ?? microseconds(text) else { return nil }
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        return Date(timeIntervalSince1970: millis / 1000)
    }

    /// Postgres writes `2026-11-26T21:38:47.123456+00:00`: more than three
    /// fraction digits, which ISO8601FormatStyle refuses; cut to milliseconds.
    private static func microseconds(_ text: String) -> Date? {
        guard let dot = text.firstIndex(of: ".") else { return nil }
        let fractionStart = text.index(after: dot)
        let fractionEnd = text[fractionStart...].firstIndex(where: { !$0.isNumber }) ?? text.endIndex
        let digits = text[fractionStart..<fractionEnd]
        guard digits.count > 3 else { return nil }
        return try? withFraction.parse(String(text[..<fractionStart]) + digits.prefix(3) + String(text[fractionEnd...]))
    }
}
