import Foundation
import HandoffCore
import Testing

/// SplitMix64: a tiny, well-mixed generator, so every run sees the same "random" cases
/// and a failure names the seed that reproduces it.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random calendars and instants for the clock's properties.
struct ClockCaseGenerator {
    static let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
    /// DST changes in those zones over 2026–2027; starts cluster around them.
    static let transitions = [
        "2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01",
        "2027-03-14", "2027-03-28", "2027-04-04", "2027-10-03", "2027-10-31", "2027-11-07",
    ].map { ClockFixture.utc("\($0) 00:00") }
    static let rangeStart = ClockFixture.utc("2026-01-01 00:00")
    static let rangeEnd = ClockFixture.utc("2028-01-01 00:00")

    var rng: SplitMix64

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }

    struct Raw {
        var zone: String
        var hours: [BusinessHoursInput]
        var holidays: [String]
    }

    /// Non-overlapping windows (touching allowed), some crossing midnight, some on
    /// Sunday night into Monday; ends may be `24:00`.
    mutating func rawCalendar() -> Raw {
        let zone = Self.zones[int(0...Self.zones.count - 1)]
        if chance(10) {
            return Raw(zone: zone, hours: Weekday.allCases.map { BusinessHoursInput(day: $0.rawValue, start: "00:00", end: "24:00") }, holidays: holidays())
        }
        var hours: [BusinessHoursInput] = []
        var lastEnd = -1
        var firstStart: Int?
        for day in 0..<7 {
            let dayStart = day * 1440
            for _ in 0..<windowCount() {
                let earliest = max(dayStart, lastEnd + (chance(20) ? 0 : int(1...180)))
                guard earliest < dayStart + 1440 else { break }
                let start = int(earliest...min(dayStart + 1439, earliest + 720))
                // Sunday night may not run into the week's first window.
                let longest = min(1439, firstStart.map { $0 + 10_080 - start } ?? 1439)
                guard longest >= 1 else { break }
                let end = start + windowLength(max: longest)
                hours.append(Self.input(day: day, start: start - dayStart, end: end - dayStart))
                lastEnd = end
                firstStart = firstStart ?? start
            }
        }
        if hours.isEmpty { hours = [BusinessHoursInput(day: "wed", start: "09:00", end: "17:00")] }
        return Raw(zone: zone, hours: hours, holidays: holidays())
    }

    private mutating func windowCount() -> Int {
        let roll = int(1...10)
        return roll <= 2 ? 0 : roll <= 7 ? 1 : 2
    }

    private mutating func windowLength(max longest: Int) -> Int {
        let roll = int(1...10)
        let wanted = roll == 1 ? int(1...30) : roll <= 7 ? int(30...600) : int(600...1439)
        return Swift.min(wanted, longest)
    }

    /// `end` in minutes from the start day's midnight: past 1440 it crosses midnight.
    static func input(day: Int, start: Int, end: Int) -> BusinessHoursInput {
        let endText = end == 1440 ? "24:00" : clock(end % 1440)
        return BusinessHoursInput(day: Weekday(index: day)?.rawValue, start: clock(start), end: endText)
    }

    static func clock(_ minutes: Int) -> String {
        let hour = minutes / 60, minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    private mutating func holidays() -> [String] {
        (0..<int(0...10)).map { _ in
            ClockFixture.isoDate(Self.rangeStart.addingTimeInterval(Double(int(0...760)) * 86_400))
        }
    }

    /// Anywhere in 2026–2027, often within three days of a DST change, sometimes with milliseconds.
    mutating func instant() -> Date {
        var date: Date
        if chance(35) {
            let around = Self.transitions[int(0...Self.transitions.count - 1)]
            date = around.addingTimeInterval(Double(int(-3 * 86_400...3 * 86_400)))
        } else {
            let span = Int(Self.rangeEnd.timeIntervalSince(Self.rangeStart))
            date = Self.rangeStart.addingTimeInterval(Double(int(0...span)))
        }
        if chance(30) { date = date.addingTimeInterval(Double(int(1...999)) / 1000) }
        return date
    }

    /// 1 s to 3 days.
    mutating func target() -> Int {
        let roll = int(1...10)
        return roll <= 4 ? int(1...3600) : roll <= 7 ? int(3600...28_800) : int(28_800...259_200)
    }
}

@Suite("SLA clock properties over random calendars")
struct SLAClockPropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 0xC0FFEE, 20_261_127]

    /// Failures for one seed, capped so a broken invariant does not print thousands of lines.
    struct Failures {
        var seed: UInt64
        var count = 0

        mutating func check(_ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard !condition else { return }
            count += 1
            if count <= 5 { Issue.record("seed \(seed): \(message())", sourceLocation: sourceLocation) }
        }
    }

    static func calendar(_ raw: ClockCaseGenerator.Raw) -> BusinessCalendar? {
        switch CalendarInput.validate(timezone: raw.zone, hours: raw.hours, holidays: raw.holidays) {
        case .success(let calendar): return calendar
        case .failure(let failure):
            Issue.record("generated calendar refused: \(failure.errors) for \(raw.hours)")
            return nil
        }
    }

    static func describe(_ raw: ClockCaseGenerator.Raw, _ start: Date, _ target: Int) -> String {
        let hours = raw.hours.map { "\($0.day ?? "?") \($0.start ?? "?")-\($0.end ?? "?")" }.joined(separator: ", ")
        return "\(raw.zone) [\(hours)] holidays \(raw.holidays) start \(start.timeIntervalSince1970) target \(target)"
    }

    @Test("businessSeconds(start, dueAt(start, t)) == t; due after start; monotonic in t and in start", arguments: seeds)
    func identityAndMonotonicity(seed: UInt64) {
        var generator = ClockCaseGenerator(rng: SplitMix64(seed: seed))
        var failures = Failures(seed: seed)
        for _ in 0..<150 {
            let raw = generator.rawCalendar()
            guard let calendar = Self.calendar(raw) else { continue }
            for _ in 0..<8 {
                let start = generator.instant(), target = generator.target()
                let label = Self.describe(raw, start, target)
                // A sparse calendar may not hold the target within the search horizon
                // (minutes a week, days of target): then the wall clock is the documented answer.
                guard let due = SLAClock.businessDueAt(start: start, targetSeconds: target, calendar: calendar) else {
                    let fallback = SLAClock.dueAt(start: start, targetSeconds: target, calendar: calendar)
                    failures.check(fallback == start.addingTimeInterval(Double(target)), "no wall-clock fallback: \(label)")
                    failures.check(SLAClock.businessSeconds(from: start, to: start.addingTimeInterval(Double(SLAClock.searchDays - 2) * 86_400), calendar: calendar) < target,
                                   "gave up although the horizon holds the target: \(label)")
                    continue
                }
                #expect(SLAClock.dueAt(start: start, targetSeconds: target, calendar: calendar) == due)
                let counted = SLAClock.businessSeconds(from: start, to: due, calendar: calendar)
                failures.check(counted == target, "counted \(counted) ≠ target: \(label)")
                failures.check(due > start, "due \(due) not after start: \(label)")

                let longer = target + generator.int(1...3600)
                if let laterDue = SLAClock.businessDueAt(start: start, targetSeconds: longer, calendar: calendar) {
                    failures.check(laterDue > due, "due not increasing in target (\(longer)): \(label)")
                    failures.check(SLAClock.businessSeconds(from: start, to: laterDue, calendar: calendar) == longer, "identity failed for \(longer): \(label)")
                }

                let laterStart = start.addingTimeInterval(Double(generator.int(0...86_400)))
                if let dueFromLater = SLAClock.businessDueAt(start: laterStart, targetSeconds: target, calendar: calendar) {
                    failures.check(dueFromLater >= due, "due not monotonic in start (\(laterStart)): \(label)")
                }
            }
        }
    }

    @Test("from outside business hours the deadline is the next opening plus the target", arguments: seeds)
    func startOutsideHours(seed: UInt64) {
        var generator = ClockCaseGenerator(rng: SplitMix64(seed: seed &+ 100))
        var failures = Failures(seed: seed)
        var checked = 0
        for _ in 0..<150 {
            let raw = generator.rawCalendar()
            guard let calendar = Self.calendar(raw) else { continue }
            for _ in 0..<8 {
                let start = generator.instant(), target = generator.target()
                guard !calendar.isOpen(at: start),
                      let next = calendar.businessWindows(from: start, to: start.addingTimeInterval(14 * 86_400)).first,
                      Double(target) <= next.duration
                else { continue }
                checked += 1
                let due = SLAClock.dueAt(start: start, targetSeconds: target, calendar: calendar)
                failures.check(next.start > start, "next window \(next) does not start after \(start)")
                failures.check(due == next.start.addingTimeInterval(Double(target)), "due \(due) ≠ \(next.start) + target: \(Self.describe(raw, start, target))")
            }
        }
        #expect(checked > 20, "too few closed starts exercised: \(checked)")
    }

    @Test("the warning instant is `s` business seconds before due, or the start when there is less", arguments: seeds)
    func warningInstant(seed: UInt64) {
        var generator = ClockCaseGenerator(rng: SplitMix64(seed: seed &+ 200))
        var failures = Failures(seed: seed)
        for _ in 0..<150 {
            let raw = generator.rawCalendar()
            guard let calendar = Self.calendar(raw) else { continue }
            for _ in 0..<8 {
                let start = generator.instant(), target = generator.target()
                let label = Self.describe(raw, start, target)
                let before = generator.int(1...(target + 600))
                guard let due = SLAClock.businessDueAt(start: start, targetSeconds: target, calendar: calendar) else { continue }
                let warning = SLAClock.instant(before: due, seconds: before, notBefore: start, calendar: calendar)
                failures.check(warning >= start && warning <= due, "warning \(warning) outside start…due: \(label)")
                if warning > start {
                    let counted = SLAClock.businessSeconds(from: warning, to: due, calendar: calendar)
                    failures.check(counted == before, "warning counts \(counted) ≠ \(before): \(label)")
                } else {
                    failures.check(target <= before, "clamped to start although \(target) > \(before): \(label)")
                }
            }
        }
    }

    @Test("business seconds add up over any split point (whole-second instants)", arguments: seeds)
    func additivity(seed: UInt64) {
        var generator = ClockCaseGenerator(rng: SplitMix64(seed: seed &+ 300))
        var failures = Failures(seed: seed)
        for _ in 0..<150 {
            let raw = generator.rawCalendar()
            guard let calendar = Self.calendar(raw) else { continue }
            for _ in 0..<6 {
                let start = Date(timeIntervalSince1970: generator.instant().timeIntervalSince1970.rounded(.down))
                let end = start.addingTimeInterval(Double(generator.int(0...10 * 86_400)))
                let middle = start.addingTimeInterval((end.timeIntervalSince(start) * Double(generator.int(0...100)) / 100).rounded(.down))
                let whole = SLAClock.businessSeconds(from: start, to: end, calendar: calendar)
                let parts = SLAClock.businessSeconds(from: start, to: middle, calendar: calendar)
                    + SLAClock.businessSeconds(from: middle, to: end, calendar: calendar)
                failures.check(whole == parts, "\(whole) ≠ \(parts) split at \(middle): \(Self.describe(raw, start, 0))")
                failures.check(whole <= Int(end.timeIntervalSince(start)), "more business than wall time: \(Self.describe(raw, start, 0))")
            }
        }
    }

    @Test("isOpen agrees with Foundation's reading of the wall clock away from DST changes", arguments: seeds)
    func openMatchesWallClock(seed: UInt64) {
        var generator = ClockCaseGenerator(rng: SplitMix64(seed: seed &+ 400))
        var failures = Failures(seed: seed)
        var compared = 0
        for _ in 0..<150 {
            let raw = generator.rawCalendar()
            guard let calendar = Self.calendar(raw) else { continue }
            var foundation = Calendar(identifier: .gregorian)
            foundation.timeZone = calendar.timeZone
            for _ in 0..<30 {
                let instant = generator.instant()
                let zone = calendar.timeZone
                // In a repeated or skipped hour the wall clock is ambiguous; the clock's
                // own rule is covered by the fixed DST examples.
                guard zone.secondsFromGMT(for: instant.addingTimeInterval(-36 * 3600)) == zone.secondsFromGMT(for: instant.addingTimeInterval(36 * 3600)) else { continue }
                compared += 1
                let expected = Self.oracleOpen(instant, calendar: calendar, foundation: foundation)
                failures.check(calendar.isOpen(at: instant) == expected, "isOpen ≠ \(expected) at \(instant): \(Self.describe(raw, instant, 0))")
            }
        }
        #expect(compared > 1000)
    }

    /// Open when the local wall time lies in a window of today, or in yesterday's window
    /// that runs past midnight, and the window's own day is not a holiday.
    static func oracleOpen(_ instant: Date, calendar: BusinessCalendar, foundation: Calendar) -> Bool {
        let parts = foundation.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond, .weekday], from: instant)
        let seconds = Double((parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)) + Double(parts.nanosecond ?? 0) / 1e9
        guard let today = LocalDate(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0),
              let previous = foundation.date(byAdding: .day, value: -1, to: instant)
        else { return false }
        let yesterdayParts = foundation.dateComponents([.year, .month, .day], from: previous)
        let yesterday = LocalDate(year: yesterdayParts.year ?? 0, month: yesterdayParts.month ?? 0, day: yesterdayParts.day ?? 0)
        let weekday = Weekday(index: ((parts.weekday ?? 1) + 5) % 7)
        let yesterdayWeekday = Weekday(index: ((parts.weekday ?? 1) + 4) % 7)
        return calendar.hours.contains { hours in
            let start = Double(hours.start.minutes * 60), end = Double(hours.end.minutes * 60)
            if hours.day == weekday, !calendar.holidays.contains(today) {
                if hours.crossesMidnight ? seconds >= start : (seconds >= start && seconds < end) { return true }
            }
            if hours.crossesMidnight, hours.day == yesterdayWeekday, let yesterday, !calendar.holidays.contains(yesterday) {
                if seconds < end { return true }
            }
            return false
        }
    }
}
