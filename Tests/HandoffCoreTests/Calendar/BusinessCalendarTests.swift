import Foundation
import HandoffCore
import Testing

/// Calendars and instants for the calendar and clock tests. Local times are turned into
/// instants by Foundation's `Calendar`, independently of the code under test.
enum ClockFixture {
    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else { fatalError("test zone \(identifier) missing") }
        return zone
    }

    static func time(_ text: String) -> TimeOfDay {
        guard let time = TimeOfDay(parsing: text, allowEndOfDay: true) else { fatalError("bad test time \(text)") }
        return time
    }

    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(parsing: text) else { fatalError("bad test date \(text)") }
        return date
    }

    /// `"2026-11-27 18:00"` (optionally `:ss`) read as wall time in `zone`.
    static func local(_ text: String, _ zone: String) -> Date {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == ":" }).compactMap { Int($0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = self.zone(zone)
        let components = DateComponents(
            year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts.count > 5 ? parts[5] : 0
        )
        guard let date = calendar.date(from: components) else { fatalError("bad test instant \(text)") }
        return date
    }

    static func utc(_ text: String) -> Date { local(text, "UTC") }

    /// The UTC date of `instant` as `YYYY-MM-DD`.
    static func isoDate(_ instant: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone("UTC")
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))"
    }

    static func calendar(_ zone: String, _ hours: [(Weekday, String, String)], holidays: [String] = []) -> BusinessCalendar {
        BusinessCalendar(
            timeZone: self.zone(zone),
            hours: hours.map { BusinessHours(day: $0.0, start: time($0.1), end: time($0.2)) },
            holidays: Set(holidays.map(date))
        )
    }

    static func weekdays(_ zone: String, _ start: String = "09:00", _ end: String = "17:00", holidays: [String] = []) -> BusinessCalendar {
        calendar(zone, [Weekday.mon, .tue, .wed, .thu, .fri].map { ($0, start, end) }, holidays: holidays)
    }

    static func everyDay(_ zone: String, _ start: String, _ end: String) -> BusinessCalendar {
        calendar(zone, Weekday.allCases.map { ($0, start, end) })
    }
}

@Suite("Business calendar and SLA clock: fixed examples")
struct BusinessCalendarTests {
    typealias F = ClockFixture

    @Test("a lead qualified Friday 18:00 with a 5-minute target is due Monday 09:05")
    func fridayEvening() {
        let calendar = F.weekdays("Europe/Berlin")
        let start = F.local("2026-11-27 18:00", "Europe/Berlin")
        let due = SLAClock.dueAt(start: start, targetSeconds: 300, calendar: calendar)
        #expect(due == F.local("2026-11-30 09:05", "Europe/Berlin"))
        #expect(SLAClock.businessSeconds(from: start, to: due, calendar: calendar) == 300)
    }

    @Test("without a calendar the clock is the wall clock")
    func wallClock() {
        let start = F.utc("2026-11-27 18:00:00")
        #expect(SLAClock.dueAt(start: start, targetSeconds: 300, calendar: nil) == start.addingTimeInterval(300))
        #expect(SLAClock.businessSeconds(from: start, to: start.addingTimeInterval(299.9), calendar: nil) == 299)
        #expect(SLAClock.businessSeconds(from: start, to: start.addingTimeInterval(-5), calendar: nil) == 0)
    }

    @Test("a target that runs out exactly at a window end is due at that end, not at the next opening")
    func windowEndBoundary() {
        let calendar = F.weekdays("Europe/Berlin")
        let start = F.local("2026-11-27 16:55", "Europe/Berlin")
        let due = SLAClock.dueAt(start: start, targetSeconds: 300, calendar: calendar)
        #expect(due == F.local("2026-11-27 17:00", "Europe/Berlin"))
        #expect(SLAClock.businessSeconds(from: start, to: due, calendar: calendar) == 300)
        // A clock started exactly at the close has nothing left of that window.
        let atClose = F.local("2026-11-27 17:00", "Europe/Berlin")
        #expect(SLAClock.dueAt(start: atClose, targetSeconds: 300, calendar: calendar) == F.local("2026-11-30 09:05", "Europe/Berlin"))
        #expect(SLAClock.dueAt(start: atClose, targetSeconds: 0, calendar: calendar) == atClose)
    }

    @Test("time inside a window, across days, and over a weekend")
    func withinAndAcross() {
        let calendar = F.weekdays("America/New_York")
        let zone = "America/New_York"
        #expect(SLAClock.dueAt(start: F.local("2026-11-25 10:00", zone), targetSeconds: 3600, calendar: calendar)
            == F.local("2026-11-25 11:00", zone))
        #expect(SLAClock.dueAt(start: F.local("2026-11-26 16:00", zone), targetSeconds: 7200, calendar: calendar)
            == F.local("2026-11-27 10:00", zone))
        #expect(SLAClock.dueAt(start: F.local("2026-11-28 10:00", zone), targetSeconds: 60, calendar: calendar)
            == F.local("2026-11-30 09:01", zone))
        // Three business days from Friday morning: Friday, Monday, Tuesday.
        #expect(SLAClock.dueAt(start: F.local("2026-11-27 09:00", zone), targetSeconds: 3 * 8 * 3600, calendar: calendar)
            == F.local("2026-12-01 17:00", zone))
    }

    @Test("holidays are skipped: Christmas Friday 2026 and the weekend after it")
    func christmas() {
        let calendar = F.weekdays("Europe/Berlin", holidays: ["2026-12-25"])
        let start = F.local("2026-12-24 16:59", "Europe/Berlin")
        let due = SLAClock.dueAt(start: start, targetSeconds: 120, calendar: calendar)
        #expect(due == F.local("2026-12-28 09:01", "Europe/Berlin"))
        #expect(SLAClock.businessSeconds(from: start, to: due, calendar: calendar) == 120)
        #expect(!calendar.isOpen(at: F.local("2026-12-25 10:00", "Europe/Berlin")))
    }

    @Test("a window that crosses midnight belongs to the day it starts on, holidays included")
    func overnightWindows() {
        let zone = "Europe/Berlin"
        let nights = F.calendar(zone, [(.fri, "22:00", "06:00")])
        #expect(nights.isOpen(at: F.local("2026-11-28 05:59", zone)))  // Saturday morning, Friday's window
        #expect(!nights.isOpen(at: F.local("2026-11-28 06:00", zone)))  // the end is exclusive
        #expect(nights.isOpen(at: F.local("2026-11-27 22:00", zone)))  // the start is inclusive
        #expect(SLAClock.dueAt(start: F.local("2026-11-27 12:00", zone), targetSeconds: 8 * 3600, calendar: nights)
            == F.local("2026-11-28 06:00", zone))

        let saturdayOff = F.calendar(zone, [(.fri, "22:00", "06:00")], holidays: ["2026-11-28"])
        #expect(saturdayOff.isOpen(at: F.local("2026-11-28 03:00", zone)))
        let fridayOff = F.calendar(zone, [(.fri, "22:00", "06:00")], holidays: ["2026-11-27"])
        #expect(!fridayOff.isOpen(at: F.local("2026-11-28 03:00", zone)))
        #expect(SLAClock.dueAt(start: F.local("2026-11-27 12:00", zone), targetSeconds: 60, calendar: fridayOff)
            == F.local("2026-12-04 22:01", zone))
    }

    @Test("Berlin spring forward (2026-03-29): a 24/7 clock counts real seconds and the Sunday lasts 23 hours")
    func berlinSpringForward() {
        let zone = "Europe/Berlin"
        let always = F.everyDay(zone, "00:00", "24:00")
        let start = F.local("2026-03-28 12:00", zone)
        let due = SLAClock.dueAt(start: start, targetSeconds: 86_400, calendar: always)
        #expect(due == start.addingTimeInterval(86_400))
        #expect(due == F.local("2026-03-29 13:00", zone))
        #expect(SLAClock.businessSeconds(from: F.local("2026-03-29 00:00", zone), to: F.local("2026-03-30 00:00", zone), calendar: always) == 23 * 3600)
    }

    @Test("Berlin spring forward: a night window 22:00–06:00 lasts 7 real hours; a window starting in the gap opens at the jump")
    func berlinNightAcrossTheGap() {
        let zone = "Europe/Berlin"
        let nights = F.everyDay(zone, "22:00", "06:00")
        let saturdayNight = F.local("2026-03-28 22:00", zone)
        let sundayMorning = F.local("2026-03-29 06:00", zone)
        #expect(sundayMorning.timeIntervalSince(saturdayNight) == 7 * 3600)
        #expect(SLAClock.businessSeconds(from: saturdayNight, to: sundayMorning, calendar: nights) == 7 * 3600)
        #expect(SLAClock.dueAt(start: F.local("2026-03-28 23:00", zone), targetSeconds: 6 * 3600, calendar: nights) == sundayMorning)

        // 02:30 does not exist that Sunday: the window opens at 03:00 CEST (01:00 UTC).
        let inGap = F.calendar(zone, [(.sun, "02:30", "04:00")])
        #expect(SLAClock.dueAt(start: F.local("2026-03-28 12:00", zone), targetSeconds: 60, calendar: inGap)
            == F.utc("2026-03-29 01:01"))
        #expect(SLAClock.businessSeconds(from: F.utc("2026-03-28 12:00"), to: F.utc("2026-03-30 00:00"), calendar: inGap) == 3600)
    }

    @Test("New York spring forward (2026-03-08) and fall back (2026-11-01)")
    func newYork() {
        let zone = "America/New_York"
        let always = F.everyDay(zone, "00:00", "24:00")
        #expect(SLAClock.businessSeconds(from: F.local("2026-03-08 00:00", zone), to: F.local("2026-03-09 00:00", zone), calendar: always) == 23 * 3600)
        #expect(SLAClock.businessSeconds(from: F.local("2026-11-01 00:00", zone), to: F.local("2026-11-02 00:00", zone), calendar: always) == 25 * 3600)

        // 01:00–04:00 on the spring Sunday: 02:00–03:00 never happens, so 2 real hours.
        let early = F.calendar(zone, [(.sun, "01:00", "04:00")])
        #expect(SLAClock.businessSeconds(from: F.utc("2026-03-07 00:00"), to: F.utc("2026-03-09 00:00"), calendar: early) == 2 * 3600)
        // On the autumn Sunday 01:00 comes twice; the window opens at the first (05:00 UTC)
        // and closes at 04:00 EST (09:00 UTC): 4 real hours.
        #expect(SLAClock.businessSeconds(from: F.utc("2026-10-31 00:00"), to: F.utc("2026-11-02 00:00"), calendar: early) == 4 * 3600)
        #expect(SLAClock.dueAt(start: F.utc("2026-10-31 00:00"), targetSeconds: 60, calendar: early) == F.utc("2026-11-01 05:01"))
        // A window inside the repeated hour runs on its first pass only.
        let repeated = F.calendar(zone, [(.sun, "01:30", "01:45")])
        #expect(SLAClock.businessSeconds(from: F.utc("2026-10-31 00:00"), to: F.utc("2026-11-02 00:00"), calendar: repeated) == 15 * 60)
        #expect(repeated.isOpen(at: F.utc("2026-11-01 05:35")))
        #expect(!repeated.isOpen(at: F.utc("2026-11-01 06:35")))

        // Night windows through fall back: 22:00 EDT to 06:00 EST is 9 real hours.
        let nights = F.everyDay(zone, "22:00", "06:00")
        #expect(SLAClock.businessSeconds(from: F.local("2026-10-31 22:00", zone), to: F.local("2026-11-01 06:00", zone), calendar: nights) == 9 * 3600)
    }

    @Test("Lord Howe's half-hour DST change (2026-04-05): the Sunday lasts 24.5 hours")
    func lordHowe() {
        let zone = "Australia/Lord_Howe"
        let always = F.everyDay(zone, "00:00", "24:00")
        let sunday = F.local("2026-04-05 00:00", zone)
        let monday = F.local("2026-04-06 00:00", zone)
        #expect(monday.timeIntervalSince(sunday) == 24.5 * 3600)
        #expect(SLAClock.businessSeconds(from: sunday, to: monday, calendar: always) == 24 * 3600 + 1800)
        // 01:00–03:00 that night: 01:30–02:00 happens twice; the window opens at the first 01:00.
        let early = F.calendar(zone, [(.sun, "01:00", "03:00")])
        #expect(SLAClock.businessSeconds(from: sunday, to: monday, calendar: early) == 2 * 3600 + 1800)
    }

    @Test("the warning instant is business time before the deadline, never before the start")
    func warning() {
        let zone = "Europe/Berlin"
        let calendar = F.weekdays(zone)
        let start = F.local("2026-11-27 18:00", zone)
        let due = F.local("2026-11-30 09:05", zone)
        // Walking back, a window start belongs to its window: Monday 09:00, not Friday 17:00.
        #expect(SLAClock.instant(before: due, seconds: 300, notBefore: start, calendar: calendar) == F.local("2026-11-30 09:00", zone))
        #expect(SLAClock.instant(before: due, seconds: 600, notBefore: start, calendar: calendar) == start)
        let earlier = F.local("2026-11-27 16:00", zone)
        #expect(SLAClock.instant(before: due, seconds: 600, notBefore: earlier, calendar: calendar) == F.local("2026-11-27 16:55", zone))
        #expect(SLAClock.instant(before: due, seconds: 0, notBefore: start, calendar: calendar) == due)
        #expect(SLAClock.instant(before: due, seconds: 60, notBefore: start, calendar: nil) == due.addingTimeInterval(-60))
        #expect(SLAClock.instant(before: start.addingTimeInterval(30), seconds: 60, notBefore: start, calendar: nil) == start)
    }

    @Test("a calendar with no usable business time falls back to the wall clock, and says so")
    func noUsableHours() {
        // Mondays only, and every Monday for four years is a holiday.
        var mondays: [String] = []
        var day = F.local("2026-11-30 12:00", "UTC")
        for _ in 0..<(4 * 53) {
            mondays.append(F.isoDate(day))
            day = day.addingTimeInterval(7 * 86_400)
        }
        let blocked = F.calendar("UTC", [(.mon, "09:00", "17:00")], holidays: mondays)
        let start = F.utc("2026-11-28 10:00")
        #expect(SLAClock.businessDueAt(start: start, targetSeconds: 60, calendar: blocked) == nil)
        #expect(SLAClock.dueAt(start: start, targetSeconds: 60, calendar: blocked) == start.addingTimeInterval(60))

        let empty = BusinessCalendar(timeZone: F.zone("UTC"), hours: [])
        #expect(!empty.hasBusinessHours)
        #expect(SLAClock.businessDueAt(start: start, targetSeconds: 60, calendar: empty) == nil)
        #expect(SLAClock.businessSeconds(from: start, to: start.addingTimeInterval(86_400), calendar: empty) == 0)
    }

    @Test("overlapping windows built in code are never counted twice")
    func overlapsInCode() {
        let calendar = F.calendar("UTC", [(.mon, "09:00", "17:00"), (.mon, "12:00", "18:00"), (.mon, "10:00", "11:00"), (.sun, "20:00", "10:00")])
        let monday = F.utc("2026-11-30 00:00")
        // Sunday 20:00 to Monday 18:00, as one stretch: 22 h, of which 18 on Monday.
        #expect(SLAClock.businessSeconds(from: monday, to: monday.addingTimeInterval(86_400), calendar: calendar) == 18 * 3600)
        #expect(SLAClock.businessSeconds(from: F.utc("2026-11-29 00:00"), to: F.utc("2026-12-01 00:00"), calendar: calendar) == 22 * 3600)
        let due = SLAClock.dueAt(start: F.utc("2026-11-29 21:00"), targetSeconds: 20 * 3600, calendar: calendar)
        #expect(due == F.utc("2026-11-30 17:00"))
        #expect(SLAClock.instant(before: due, seconds: 20 * 3600, notBefore: F.utc("2026-11-29 00:00"), calendar: calendar) == F.utc("2026-11-29 21:00"))
    }

    @Test("fractional starts (milliseconds) keep the identity exact")
    func milliseconds() {
        let calendar = F.weekdays("Asia/Kolkata")
        let start = F.local("2026-11-27 16:59", "Asia/Kolkata").addingTimeInterval(12.345)
        for target in [1, 47, 48, 299, 300, 86_400] {
            let due = SLAClock.dueAt(start: start, targetSeconds: target, calendar: calendar)
            #expect(SLAClock.businessSeconds(from: start, to: due, calendar: calendar) == target)
        }
    }

    @Test("business windows and local dates")
    func windowsAndDates() {
        let calendar = F.weekdays("Europe/Berlin", holidays: ["2026-12-25"])
        let windows = calendar.businessWindows(from: F.local("2026-12-24 12:00", "Europe/Berlin"), to: F.local("2026-12-29 00:00", "Europe/Berlin"))
        #expect(windows.map(\.start) == [F.local("2026-12-24 09:00", "Europe/Berlin"), F.local("2026-12-28 09:00", "Europe/Berlin")])
        #expect(calendar.localDate(of: F.utc("2026-12-24 23:30")) == F.date("2026-12-25"))
        #expect(F.date("2026-12-25").weekday == .fri)
        #expect(F.date("2024-02-29").description == "2024-02-29")
        #expect(LocalDate(parsing: "2026-02-29") == nil)
    }

    @Test("a calendar round-trips through JSON in the API's shape")
    func codable() throws {
        let calendar = F.calendar("Europe/Berlin", [(.mon, "09:00", "17:30"), (.fri, "22:00", "24:00")], holidays: ["2026-12-25", "2026-12-24"])
        let data = try JSONEncoder().encode(calendar)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"timezone\":\"Europe\\/Berlin\"") || text.contains("\"timezone\":\"Europe/Berlin\""))
        #expect(text.contains("\"holidays\":[\"2026-12-24\",\"2026-12-25\"]"))
        #expect(text.contains("\"end\":\"24:00\""))
        #expect(try JSONDecoder().decode(BusinessCalendar.self, from: data) == calendar)
    }

    @Test("intake-sized work stays fast: 5,000 Friday-evening deadlines")
    func speed() {
        let calendar = F.weekdays("Europe/Berlin", holidays: ["2026-12-25"])
        let start = F.local("2026-11-27 18:00", "Europe/Berlin")
        let began = Date()
        var last = start
        for index in 0..<5_000 {
            last = SLAClock.dueAt(start: start.addingTimeInterval(Double(index)), targetSeconds: 300 + index, calendar: calendar)
        }
        #expect(last > start)
        // Generous for a debug build on a loaded 2-core machine; minute-stepping would take far longer.
        #expect(Date().timeIntervalSince(began) < 5)
    }
}
