import Foundation
import HandoffCore
import Testing

@Suite("Calendar input validation")
struct CalendarInputTests {
    static func hours(_ entries: [(String?, String?, String?)]) -> [BusinessHoursInput] {
        entries.map { BusinessHoursInput(day: $0.0, start: $0.1, end: $0.2) }
    }

    static func errors(_ result: Result<BusinessCalendar, ValidationFailure>) -> [FieldError] {
        if case .failure(let failure) = result { return failure.errors }
        return []
    }

    @Test("a valid calendar becomes a BusinessCalendar")
    func valid() throws {
        let result = CalendarInput.validate(
            timezone: "Europe/Berlin",
            hours: Self.hours([("mon", "09:00", "17:30"), ("fri", "22:00", "06:00"), ("sun", "08:00", "24:00")]),
            holidays: ["2026-12-25", "2026-12-25", "2024-02-29"]
        )
        let calendar = try result.get()
        #expect(calendar.timeZone.identifier == "Europe/Berlin")
        #expect(calendar.hours.count == 3)
        #expect(calendar.hours[1].crossesMidnight)
        #expect(calendar.hours[2].end == .endOfDay)
        #expect(calendar.holidays == [ClockFixture.date("2026-12-25"), ClockFixture.date("2024-02-29")])
    }

    @Test("every problem is reported at once, each at its own path")
    func allErrorsAtOnce() {
        let errors = Self.errors(CalendarInput.validate(
            timezone: "EST",
            hours: Self.hours([
                ("monday", "09:00", "17:00"),
                ("tue", "9:00", "25:00"),
                ("wed", "10:00", "10:00"),
                (nil, nil, nil),
                ("thu", "24:00", "06:00"),
            ]),
            holidays: ["2026-02-30", "12/25/2026", "2026-12-25"]
        ))
        #expect(errors.map(\.field) == [
            "timezone",
            "hours[0].day",
            "hours[1].start", "hours[1].end",
            "hours[2].end",
            "hours[3].day", "hours[3].start", "hours[3].end",
            "hours[4].start",
            "holidays[0]", "holidays[1]",
        ])
        #expect(errors.first { $0.field == "hours[2].end" }?.message.contains("00:00–24:00") == true)
        #expect(errors.first { $0.field == "hours[4].start" }?.message.contains("24:00 is only allowed as an end") == true)
        #expect(errors.first { $0.field == "hours[3].day" }?.message == "is required")
    }

    @Test("at least one window is required")
    func needsHours() {
        for hours in [nil, [BusinessHoursInput]()] {
            let errors = Self.errors(CalendarInput.validate(timezone: "UTC", hours: hours, holidays: nil))
            #expect(errors.map(\.field) == ["hours"])
        }
        #expect(Self.errors(CalendarInput.validate(timezone: nil, hours: Self.hours([("mon", "09:00", "17:00")]), holidays: nil)).map(\.field) == ["timezone"])
    }

    @Test("IANA names and UTC only; a wrong case gets a suggestion")
    func timeZones() {
        for good in ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Argentina/Buenos_Aires"] {
            #expect(CalendarInput.isTimeZoneName(good), "\(good) refused")
        }
        for bad in ["EST", "CET", "GMT+0500", "Mars/Olympus", "", "utc", "Europe/Berlin "] {
            #expect(!CalendarInput.isTimeZoneName(bad), "\(bad) accepted")
        }
        let errors = Self.errors(CalendarInput.validate(timezone: "europe/berlin", hours: Self.hours([("mon", "09:00", "17:00")]), holidays: nil))
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("did you mean Europe/Berlin?") == true)
    }

    @Test("overlapping windows are refused, also across midnight and from Sunday into Monday; touching ones are fine")
    func overlaps() {
        let touching = CalendarInput.validate(
            timezone: "UTC",
            hours: Self.hours([("mon", "09:00", "12:00"), ("mon", "12:00", "17:00"), ("mon", "17:00", "24:00"), ("tue", "00:00", "06:00"), ("sun", "22:00", "00:00")]),
            holidays: nil
        )
        #expect(Self.errors(touching).isEmpty)

        let errors = Self.errors(CalendarInput.validate(
            timezone: "UTC",
            hours: Self.hours([
                ("mon", "09:00", "17:00"),
                ("mon", "16:00", "18:00"),  // overlaps [0]
                ("tue", "22:00", "06:00"),
                ("wed", "05:00", "07:00"),  // overlaps [2] after midnight
                ("sun", "23:00", "09:30"),  // runs into Monday 09:00 of [0]
            ]),
            holidays: nil
        ))
        #expect(errors.map(\.field) == ["hours[1]", "hours[3]", "hours[4]"])
        #expect(errors.first?.message == "overlaps hours[0] (mon 09:00–17:00); windows must not overlap")
    }

    @Test("times and dates parse strictly")
    func parsing() {
        #expect(TimeOfDay(parsing: "09:05")?.minutes == 545)
        #expect(TimeOfDay(parsing: "23:59")?.minutes == 1439)
        #expect(TimeOfDay(parsing: "24:00") == nil)
        #expect(TimeOfDay(parsing: "24:00", allowEndOfDay: true) == .endOfDay)
        for bad in ["9:05", "09:5", "09:60", "-1:00", "0900", "09:05:00", "ab:cd", "٠٩:٠٥"] {
            #expect(TimeOfDay(parsing: bad) == nil, "\(bad) accepted")
        }
        #expect(LocalDate(parsing: "2026-12-25") == LocalDate(year: 2026, month: 12, day: 25))
        for bad in ["2026-13-01", "2026-00-10", "2026-04-31", "2025-02-29", "1900-02-29", "26-12-25", "2026-1-05", "2026/12/25", "2026-12-25T00:00"] {
            #expect(LocalDate(parsing: bad) == nil, "\(bad) accepted")
        }
        #expect(LocalDate(parsing: "2000-02-29") != nil)
    }
}
