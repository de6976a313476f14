import Foundation

/// Deadlines as the owner reads them, in the owner's own time zone:
/// `Thu 26 Nov, 10:05 CET (in 5 min)`. English names are spelled out here
/// rather than taken from a locale, so the text is the same on every machine.
public enum DeadlineText {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The instant in the zone, and how far it is from `now`.
    public static func format(_ deadline: Date, in timeZone: TimeZone, now: Date) -> String {
        "\(absolute(deadline, in: timeZone)) (\(relative(deadline, now: now)))"
    }

    /// `Thu 26 Nov, 10:05 CET`.
    public static func absolute(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .hour, .minute], from: date)
        let weekday = weekdays[((parts.weekday ?? 1) - 1 + 7) % 7]
        let month = months[((parts.month ?? 1) - 1 + 12) % 12]
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return "\(weekday) \(parts.day ?? 1) \(month), \(time) \(zoneName(timeZone, at: date))"
    }

    /// `in 5 min`, `12 min ago`, `in 2 h 5 min`, `now` — rounded to the
    /// minute, which is as precise as a person acting on it needs.
    public static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let minutes = Int((abs(seconds) / 60).rounded())
        if minutes == 0 { return "now" }
        let span = minutesText(minutes)
        return seconds > 0 ? "in \(span)" : "\(span) ago"
    }

    /// A measured duration such as a response time: `45 s`, `3 min 12 s`, `1 h 20 min`.
    public static func duration(seconds: Int) -> String {
        let seconds = max(0, seconds)
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 {
            let rest = seconds % 60
            return rest == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(rest) s"
        }
        return minutesText(seconds / 60)
    }

    private static func minutesText(_ minutes: Int) -> String {
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 24 {
            let rest = minutes % 60
            return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min"
        }
        let restHours = hours % 24
        return restHours == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(restHours) h"
    }

    /// Locales whose ICU data carries the everyday abbreviation for the
    /// zones of their region (`CET` in en_GB, `EST` in en_US, `IST` in en_IN…).
    private static let abbreviationLocales = [
        "en_US", "en_GB", "en_IE", "en_AU", "en_NZ", "en_IN", "en_ZA", "en_SG", "en_JP",
    ].map(Locale.init(identifier:))

    /// `CET`, `EDT`, `AEST` where a region's English has a name for the zone,
    /// else the offset (`GMT+4`). ICU gives `GMT+1` for Berlin in en_US and
    /// `CET` only in European English, so the regions are tried in turn.
    static func zoneName(_ timeZone: TimeZone, at date: Date) -> String {
        if ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"].contains(timeZone.identifier) {
            return "UTC"
        }
        var fallback: String?
        for locale in abbreviationLocales {
            let formatter = DateFormatter()
            formatter.locale = locale
            formatter.timeZone = timeZone
            formatter.dateFormat = "zzz"
            let name = formatter.string(from: date)
            if fallback == nil { fallback = name }
            let isOffset = name.hasPrefix("GMT+") || name.hasPrefix("GMT-") || name.hasPrefix("UTC")
            if !isOffset, !name.contains(" "), !name.isEmpty { return name }
        }
        return fallback ?? timeZone.identifier
    }
}
