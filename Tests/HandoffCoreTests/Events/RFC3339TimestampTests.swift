import Foundation
import HandoffCore
import Testing

@Suite("RFC 3339 timestamps")
struct RFC3339TimestampTests {
    /// What `format` wrote before it wrote the digits itself, and so what
    /// clients have read since the first release: `ISO8601FormatStyle` for the
    /// whole seconds, then the milliseconds, rounded.
    static func formatStyleText(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, remainder) = millis.quotientAndRemainder(dividingBy: 1000)
        let (wholeSecond, fraction) = remainder < 0 ? (seconds - 1, remainder + 1000) : (seconds, remainder)
        let base = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: TimeInterval(wholeSecond)))
        let digits = String(fraction)
        return "\(base.dropLast()).\(String(repeating: "0", count: 3 - digits.count) + digits)Z"
    }

    @Test("milliseconds are printed as given, where Foundation's format style would drop one", arguments: [
        (1_795_683_900.123, "2026-11-26T09:05:00.123Z"),
        (1_795_683_900.0, "2026-11-26T09:05:00.000Z"),
        (1_795_683_900.9996, "2026-11-26T09:05:01.000Z"),
        (1_795_683_900.007, "2026-11-26T09:05:00.007Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
    ])
    func format(seconds: Double, expected: String) {
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("both fractional and whole-second forms parse")
    func parse() throws {
        let withFraction = try #require(RFC3339Timestamp.parse("2026-11-26T09:05:00.250Z"))
        #expect(abs(withFraction.timeIntervalSince1970 - 1_795_683_900.25) < 0.001)
        #expect(RFC3339Timestamp.parse("2026-11-26T09:05:00Z")?.timeIntervalSince1970 == 1_795_683_900)
        #expect(RFC3339Timestamp.parse("yesterday") == nil)
    }

    @Test("leap days, the ends of days and years, the epoch, rounding into the next year", arguments: [
        (0, "1970-01-01T00:00:00.000Z"),
        (-0.001, "1969-12-31T23:59:59.999Z"),
        (-86_400, "1969-12-31T00:00:00.000Z"),
        (951_782_400, "2000-02-29T00:00:00.000Z"),
        (1_709_164_800.5, "2024-02-29T00:00:00.500Z"),
        (1_798_761_599.9996, "2027-01-01T00:00:00.000Z"),
        (1_798_761_599.123, "2026-12-31T23:59:59.123Z"),
        (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
        (-12_212_553_600, "1583-01-01T00:00:00.000Z"),
    ] as [(TimeInterval, String)])
    func knownInstants(seconds: TimeInterval, text: String) {
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test("the same text as ISO8601FormatStyle for random instants from 1583 to 9999, and past both ends")
    func matchesFormatStyle() {
        var random = SeededGenerator(state: 3339)
        let year1583: Int64 = -12_212_553_600_000, year10000: Int64 = 253_402_300_800_000
        var instants: [TimeInterval] = []
        for _ in 0..<10_000 {
            // Whole milliseconds anywhere, and binary fractions near now.
            instants.append(TimeInterval(Int64.random(in: year1583..<year10000, using: &random)) / 1000)
            instants.append(1_700_000_000 + Double.random(in: 0..<400_000_000, using: &random))
        }
        // Outside 1583–9999 the format style writes the text itself (Julian
        // dates before the Gregorian reform).
        instants += [-12_212_553_600.001, -12_212_553_600, -12_219_292_800, -62_135_596_800, 253_402_300_800, 253_402_300_800.5]
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(RFC3339Timestamp.format(date) == Self.formatStyleText(date), "\(seconds)")
        }
    }

    @Test("what it writes reads back as the same instant")
    func roundTrips() {
        var random = SeededGenerator(state: 8601)
        for _ in 0..<1_000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 0..<4_102_444_800_000, using: &random)) / 1000)
            #expect(RFC3339Timestamp.parse(RFC3339Timestamp.format(date)) == date)
        }
    }
}
