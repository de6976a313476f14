import Foundation

/// One `hours` entry as the client sent it, before validation.
public struct BusinessHoursInput: Sendable, Equatable, Codable {
    public var day: String?
    public var start: String?
    public var end: String?

    public init(day: String?, start: String?, end: String?) {
        self.day = day
        self.start = start
        self.end = end
    }
}

/// Validation of a client's calendar (`timezone`, `hours`, `holidays`), reporting every
/// problem at once with paths such as `hours[2].start` and `holidays[0]`.
public enum CalendarInput {
    public static let maxWindows = 100
    public static let maxHolidays = 1_000

    public static func validate(
        timezone: String?,
        hours: [BusinessHoursInput]?,
        holidays: [String]?
    ) -> Result<BusinessCalendar, ValidationFailure> {
        var validator = Validator()
        let zone = timeZone(timezone, field: "timezone", into: &validator)
        let windows = parseHours(hours, into: &validator)
        let days = parseHolidays(holidays, into: &validator)
        guard validator.isValid, let zone, let windows else {
            return .failure(ValidationFailure(errors: validator.errors))
        }
        return .success(BusinessCalendar(timeZone: zone, hours: windows, holidays: days))
    }

    /// The windows, or nil when any is invalid (the errors are in `validator`).
    static func parseHours(_ raw: [BusinessHoursInput]?, into validator: inout Validator) -> [BusinessHours]? {
        guard let raw, !raw.isEmpty else {
            validator.fail("hours", "must have at least one window, e.g. {\"day\": \"mon\", \"start\": \"09:00\", \"end\": \"17:00\"}")
            return nil
        }
        guard raw.count <= maxWindows else {
            validator.fail("hours", "must have at most \(maxWindows) windows")
            return nil
        }
        let before = validator.errors.count
        var parsed: [(index: Int, hours: BusinessHours)] = []
        for (index, entry) in raw.enumerated() {
            if let hours = parseWindow(entry, path: "hours[\(index)]", into: &validator) {
                parsed.append((index, hours))
            }
        }
        reportOverlaps(parsed, into: &validator)
        return validator.errors.count == before ? parsed.map(\.hours) : nil
    }

    static func parseWindow(_ entry: BusinessHoursInput, path: String, into validator: inout Validator) -> BusinessHours? {
        var day: Weekday?
        if let raw = entry.day {
            day = Weekday(rawValue: raw)
            validator.check(day != nil, "\(path).day", "must be one of mon, tue, wed, thu, fri, sat, sun")
        } else {
            validator.fail("\(path).day", "is required")
        }
        let start = time(entry.start, field: "\(path).start", isEnd: false, into: &validator)
        let end = time(entry.end, field: "\(path).end", isEnd: true, into: &validator)
        if let start, let end, start == end {
            validator.fail("\(path).end", "must differ from start; for a whole day use 00:00–24:00")
        }
        guard let day, let start, let end, start != end else { return nil }
        return BusinessHours(day: day, start: start, end: end)
    }

    static func time(_ raw: String?, field: String, isEnd: Bool, into validator: inout Validator) -> TimeOfDay? {
        guard let raw else {
            validator.fail(field, "is required")
            return nil
        }
        if let value = TimeOfDay(parsing: raw, allowEndOfDay: isEnd) { return value }
        validator.fail(field, isEnd
            ? "must be a time HH:MM from 00:00 to 24:00"
            : "must be a time HH:MM from 00:00 to 23:59 (24:00 is only allowed as an end)")
        return nil
    }

    /// Windows may touch (17:00–24:00 then 00:00–06:00) but not share a minute, also
    /// across midnight and from Sunday night into Monday; each clash is reported on the
    /// later entry, naming the earlier one.
    static func reportOverlaps(_ parsed: [(index: Int, hours: BusinessHours)], into validator: inout Validator) {
        let day = 24 * 60, week = 7 * day
        func span(_ hours: BusinessHours) -> Range<Int> {
            let start = hours.day.index * day + hours.start.minutes
            return start..<(start + hours.wallMinutes)
        }
        for (position, later) in parsed.enumerated() {
            let laterSpan = span(later.hours)
            for earlier in parsed[..<position] {
                let earlierSpan = span(earlier.hours)
                let clashes = [-week, 0, week].contains { shift in
                    laterSpan.overlaps((earlierSpan.lowerBound + shift)..<(earlierSpan.upperBound + shift))
                }
                if clashes {
                    let hours = earlier.hours
                    validator.fail(
                        "hours[\(later.index)]",
                        "overlaps hours[\(earlier.index)] (\(hours.day.rawValue) \(hours.start)–\(hours.end)); windows must not overlap"
                    )
                    break
                }
            }
        }
    }

    static func parseHolidays(_ raw: [String]?, into validator: inout Validator) -> Set<LocalDate> {
        guard let raw else { return [] }
        guard raw.count <= maxHolidays else {
            validator.fail("holidays", "must have at most \(maxHolidays) dates")
            return []
        }
        var dates = Set<LocalDate>()
        for (index, text) in raw.enumerated() {
            if let date = LocalDate(parsing: text) {
                dates.insert(date)
            } else {
                validator.fail("holidays[\(index)]", "must be a real date YYYY-MM-DD, e.g. 2026-12-25")
            }
        }
        return dates
    }
}

extension CalendarInput {
    /// IANA zone names such as `Europe/Berlin`, and `UTC`. Bare abbreviations (`EST`,
    /// `CET`) and offsets (`GMT+0500`) are refused although Foundation knows them: they
    /// ignore DST or mean different rules in different places. Asked of Foundation, not
    /// of `TimeZone.knownTimeZoneIdentifiers`, whose list on Linux misses current names
    /// such as `Asia/Kolkata`.
    public static func isTimeZoneName(_ name: String) -> Bool {
        name == "UTC" || (name.contains("/") && TimeZone(identifier: name) != nil)
    }

    static func timeZone(_ raw: String?, field: String, into validator: inout Validator) -> TimeZone? {
        guard let raw else {
            validator.fail(field, "is required")
            return nil
        }
        if isTimeZoneName(raw), let zone = TimeZone(identifier: raw) { return zone }
        var message = "must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC"
        if let suggestion = TimeZoneNames.suggestion(for: raw) {
            message += "; did you mean \(suggestion)?"
        }
        validator.fail(field, message)
        return nil
    }
}

enum TimeZoneNames {
    /// Built once: the list is long and only needed when a client mistypes a zone.
    static let known: [String: String] = Dictionary(
        TimeZone.knownTimeZoneIdentifiers.filter { $0.contains("/") }.map { ($0.lowercased(), $0) },
        uniquingKeysWith: { first, _ in first }
    )

    /// The correctly cased name when only the case (or surrounding spaces) was wrong.
    static func suggestion(for raw: String) -> String? {
        let key = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if key == "utc" { return "UTC" }
        return known[key]
    }
}
