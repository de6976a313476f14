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

    /// Written digit by digit from the calendar date (`LocalDate`'s day
    /// arithmetic): every lead's 201, event and routing trace carries several,
    /// and the format style's machinery cost more than the rest of writing
    /// them. Years outside
    /// 1583–9999 (never a lead's) go through `ISO8601FormatStyle`, whose
    /// output the digits match everywhere else (`RFC3339TimestampTests`):
    /// before the Gregorian reform of 1582 it counts Julian dates.
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        // Floor division: a date before 1970 borrows a second, so the fraction
        // stays in 0...999.
        let (wholeSecond, fraction) = floorDivision(millis, 1000)
        let (days, secondOfDay) = floorDivision(wholeSecond, 86_400)
        guard Self.digitDays.contains(days) else { return viaFormatStyle(wholeSecond: wholeSecond, fraction: fraction) }
        let date = LocalDate(dayNumber: Int(days)), second = Int(secondOfDay)
        // yyyy-MM-ddTHH:mm:ss.SSSZ, 24 bytes.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func write(_ value: Int, digits: Int, at start: Int, then separator: Unicode.Scalar) {
                var value = value
                for position in (start..<start + digits).reversed() {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[start + digits] = UInt8(ascii: separator)
            }
            write(date.year, digits: 4, at: 0, then: "-")
            write(date.month, digits: 2, at: 5, then: "-")
            write(date.day, digits: 2, at: 8, then: "T")
            write(second / 3600, digits: 2, at: 11, then: ":")
            write(second / 60 % 60, digits: 2, at: 14, then: ":")
            write(second % 60, digits: 2, at: 17, then: ".")
            write(Int(fraction), digits: 3, at: 20, then: "Z")
            return 24
        }
    }

    /// The same text by way of `ISO8601FormatStyle`, for years the digits do not cover.
    private static func viaFormatStyle(wholeSecond: Int64, fraction: Int64) -> String {
        let base = wholeSeconds.format(Date(timeIntervalSince1970: TimeInterval(wholeSecond)))
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 3 - digits.count) + digits
        return "\(base.dropLast()).\(padded)Z"
    }

    /// The days since 1970 whose dates are written as digits: 1583-01-01
    /// through 9999-12-31.
    private static let digitDays: ClosedRange<Int64> =
        Int64(LocalDate(year: 1583, month: 1, day: 1)!.dayNumber)...Int64(LocalDate(year: 9999, month: 12, day: 31)!.dayNumber)

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
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
