import Foundation

/// One weekly business-hours window as a client writes it: `{day: "mon", start: "09:00", end: "17:30"}`.
///
/// An `end` before `start` (`22:00`–`06:00`) means the window runs past midnight into
/// the next day; it still belongs to `day`, so it runs only when `day` is not a holiday.
/// `end == start` is refused by validation and counts as no window here.
public struct BusinessHours: Sendable, Hashable, Codable {
    public var day: Weekday
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(day: Weekday, start: TimeOfDay, end: TimeOfDay) {
        self.day = day
        self.start = start
        self.end = end
    }

    public var crossesMidnight: Bool { end < start }

    /// Length on the wall clock; the real length differs on a DST day.
    public var wallMinutes: Int {
        crossesMidnight ? end.minutes + 24 * 60 - start.minutes : end.minutes - start.minutes
    }
}

/// Business hours in one time zone, with holidays: the clock an SLA counts against.
///
/// Wall times become instants by one rule, which also settles DST: a wall time means
/// **the first instant at which the local clock reads that time or later**. In the
/// spring-forward gap (02:30 in Berlin on 2026-03-29) that is the jump itself (03:00 CEST);
/// in the fall-back repeat it is the first pass (CEST). A window therefore lasts the
/// real seconds between its two instants: 00:00–24:00 is 23 h on the spring Sunday
/// and 25 h on the autumn one.
public struct BusinessCalendar: Sendable {
    public let timeZone: TimeZone
    public let hours: [BusinessHours]
    public let holidays: Set<LocalDate>

    /// `hours` normalised once, so the per-lead walk never sorts or checks overlaps:
    /// per weekday (Monday = 0), windows in minutes from that day's midnight (an end
    /// may reach 2880, the next midnight but one), sorted and disjoint.
    let template: [[WallWindow]]
    /// Holidays as day numbers, so the walk never builds a date to look one up.
    let holidayDays: Set<Int>

    public init(timeZone: TimeZone, hours: [BusinessHours], holidays: Set<LocalDate> = []) {
        self.timeZone = timeZone
        self.hours = hours
        self.holidays = holidays
        self.template = BusinessCalendar.weeklyTemplate(hours)
        self.holidayDays = Set(holidays.map(\.dayNumber))
    }

    /// False when no window has any length: such a calendar can never meet an SLA.
    public var hasBusinessHours: Bool {
        template.contains { !$0.isEmpty }
    }

    /// The local date of `instant` in this calendar's zone.
    public func localDate(of instant: Date) -> LocalDate {
        LocalDate(dayNumber: localDay(of: Micros(instant)))
    }

    /// Inside a business window: from its start (inclusive) to its end (exclusive).
    public func isOpen(at instant: Date) -> Bool {
        let t = Micros(instant)
        let day = localDay(of: t)
        // A window that started yesterday may still be running past midnight.
        return (day - 1...day).contains { d in
            windows(onDay: d).contains { $0.start <= t && t < $0.end }
        }
    }

    /// The business windows that overlap `from ..< to`, whole (not clipped), in order.
    public func businessWindows(from: Date, to: Date) -> [DateInterval] {
        let lower = Micros(from), upper = Micros(to)
        guard upper > lower else { return [] }
        var result: [DateInterval] = []
        for day in localDay(of: lower) - 1...localDay(of: upper) {
            for window in windows(onDay: day) where window.end > lower && window.start < upper {
                result.append(DateInterval(start: window.start.date, end: window.end.date))
            }
        }
        return result
    }
}

extension BusinessCalendar: Equatable {
    // The derived caches follow from these three; zones compare by identifier.
    public static func == (lhs: BusinessCalendar, rhs: BusinessCalendar) -> Bool {
        lhs.timeZone.identifier == rhs.timeZone.identifier && lhs.hours == rhs.hours && lhs.holidays == rhs.holidays
    }
}

extension BusinessCalendar: Codable {
    // The same shape clients send (`timezone`, `hours`, `holidays`), so a calendar can
    // be stored as one JSON document and read back without a second format.
    private enum CodingKeys: String, CodingKey {
        case timezone, hours, holidays
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let identifier = try container.decode(String.self, forKey: .timezone)
        guard let zone = TimeZone(identifier: identifier) else {
            throw DecodingError.dataCorruptedError(forKey: .timezone, in: container, debugDescription: "unknown time zone \(identifier)")
        }
        let hours = try container.decode([BusinessHours].self, forKey: .hours)
        let holidays = try container.decodeIfPresent([LocalDate].self, forKey: .holidays) ?? []
        self.init(timeZone: zone, hours: hours, holidays: Set(holidays))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timeZone.identifier, forKey: .timezone)
        try container.encode(hours, forKey: .hours)
        try container.encode(holidays.sorted(), forKey: .holidays)
    }
}

// MARK: - Instants

/// An instant as whole microseconds since 2001-01-01 (Foundation's reference date).
/// The clock sums and subtracts in integers so `businessSeconds(start, dueAt(start, t)) == t`
/// holds exactly; a `Double` sum drifts by ulps and its floor can lose a second.
struct Micros: Comparable, Hashable, Sendable {
    var value: Int64

    static let perSecond: Int64 = 1_000_000
    /// Seconds from 1970-01-01 to 2001-01-01.
    static let unixOffset: Int64 = 978_307_200
    /// ±3000 years: far beyond any real deadline, and no Int64 overflow in the sums.
    static let limit: Int64 = 95_000_000_000 * perSecond

    init(value: Int64) {
        self.value = value
    }

    init(_ date: Date) {
        let raw = (date.timeIntervalSinceReferenceDate * Double(Micros.perSecond)).rounded()
        value = raw.isFinite ? Int64(max(-Double(Micros.limit), min(Double(Micros.limit), raw))) : 0
    }

    init(unixSeconds: Int64) {
        value = (unixSeconds - Micros.unixOffset) * Micros.perSecond
    }

    var date: Date { Date(timeIntervalSinceReferenceDate: Double(value) / Double(Micros.perSecond)) }

    /// Whole Unix seconds, rounded down.
    var unixSeconds: Int64 {
        let seconds = value >= 0 ? value / Micros.perSecond : (value - Micros.perSecond + 1) / Micros.perSecond
        return seconds + Micros.unixOffset
    }

    static func < (lhs: Micros, rhs: Micros) -> Bool { lhs.value < rhs.value }
}

/// A window on the wall clock, in minutes from the midnight that starts its day.
struct WallWindow: Sendable, Equatable {
    var start: Int
    var end: Int
}

/// A window as instants, `start ..< end`.
struct InstantWindow: Sendable, Equatable {
    var start: Micros
    var end: Micros
}

extension BusinessCalendar {
    /// The local day (days since 1970-01-01) that `instant` falls on in this zone.
    func localDay(of instant: Micros) -> Int {
        let unix = instant.unixSeconds
        let local = unix + offset(atUnix: unix)
        return Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    /// This day's windows as instants, in order; none on a holiday.
    func windows(onDay day: Int) -> [InstantWindow] {
        guard !holidayDays.contains(day) else { return [] }
        let weekday = Weekday(dayNumber: day).index
        var result: [InstantWindow] = []
        result.reserveCapacity(template[weekday].count)
        for window in template[weekday] {
            let start = instant(day: day, minute: window.start)
            let end = instant(day: day, minute: window.end)
            // A window wholly inside a spring-forward gap has no real time: drop it.
            if end > start { result.append(InstantWindow(start: start, end: end)) }
        }
        return result
    }

    /// The first instant at which the local clock reads `minute` minutes after the
    /// midnight that starts local `day`, or later (see the type's comment on DST).
    func instant(day: Int, minute: Int) -> Micros {
        let wall = Int64(day) * 86_400 + Int64(minute) * 60
        // The offsets in force a day either side cover every instant that can read
        // `wall` (zones are within ±14 h of UTC); real zones never change twice in that span.
        let before = offset(atUnix: wall - 86_400)
        let after = offset(atUnix: wall + 86_400)
        var first: Int64?
        for candidate in [before, after] where offset(atUnix: wall - candidate) == candidate {
            first = min(first ?? (wall - candidate), wall - candidate)
        }
        if let first { return Micros(unixSeconds: first) }
        // No instant reads `wall`: the clock jumped over it, so the first instant past it
        // is the jump. It lies between the two candidates; find it to the second.
        var low = wall - max(before, after), high = wall - min(before, after)
        let lowOffset = offset(atUnix: low)
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if offset(atUnix: mid) == lowOffset { low = mid } else { high = mid }
        }
        return Micros(unixSeconds: high)
    }

    func offset(atUnix seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// `hours` as a weekly template of disjoint windows. Validation refuses overlaps,
    /// but a calendar built in code may have them; each overlap is resolved in favour of
    /// the earlier window (the later one starts where the earlier ends), so no second
    /// is ever counted twice and windows stay in order on the way forward and back.
    static func weeklyTemplate(_ hours: [BusinessHours]) -> [[WallWindow]] {
        let day = 24 * 60, week = 7 * day
        let spans: [(start: Int, end: Int)] = hours.compactMap { hours in
            guard hours.start.minutes < day, hours.wallMinutes > 0 else { return nil }
            let start = hours.day.index * day + hours.start.minutes
            return (start, start + hours.wallMinutes)
        }
        .sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }

        var reach = 0  // spans start at minute 0 or later
        var disjoint: [(start: Int, end: Int)] = []
        for span in spans {
            let start = max(span.start, reach)
            if span.end > start { disjoint.append((start, span.end)) }
            reach = max(reach, span.end)
        }
        // The week wraps: a Sunday night window can reach into Monday's first ones.
        let wrapped = reach - week
        if wrapped > 0 {
            disjoint = disjoint.compactMap { span in
                let start = max(span.start, wrapped)
                return span.end > start ? (start, span.end) : nil
            }
        }

        var template = Array(repeating: [WallWindow](), count: 7)
        for span in disjoint {
            let startInWeek = span.start % week
            let weekday = startInWeek / day, startMinute = startInWeek % day
            template[weekday].append(WallWindow(start: startMinute, end: startMinute + span.end - span.start))
        }
        return template.map { $0.sorted { $0.start < $1.start } }
    }
}
