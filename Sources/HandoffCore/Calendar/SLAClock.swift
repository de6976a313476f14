import Foundation

/// Deadlines counted in business time (or wall time when a policy has no calendar).
///
/// Conventions, fixed so the timer engine, reports and the simulator agree:
/// - A window is `start ..< end`. Time at a window end belongs to that window: a target
///   that runs out exactly at 17:00 is due at 17:00, not at the next opening. A clock
///   started exactly at 17:00 has no time left in that window and waits for the next.
/// - `businessSeconds(start, dueAt(start, t)) == t` for every `t >= 0`.
/// - Instants are counted in whole microseconds (what Postgres stores), so the identity
///   above holds exactly, not up to rounding.
/// - A calendar with no business time in ``searchDays`` days after the start (its only
///   windows fall on listed holidays, or it has none) cannot honour a target:
///   ``businessDueAt(start:targetSeconds:calendar:)`` says so with `nil`, and
///   ``dueAt(start:targetSeconds:calendar:)`` falls back to wall-clock time so that a
///   lead is never left without a deadline.
public enum SLAClock {
    /// About three years: how far the clock looks for business time before giving up.
    public static let searchDays = 1_100

    /// When `targetSeconds` of business time after `start` have passed; without a
    /// calendar (or if the calendar cannot honour it) `start + targetSeconds`.
    public static func dueAt(start: Date, targetSeconds: Int, calendar: BusinessCalendar?) -> Date {
        let wallClock = start.addingTimeInterval(TimeInterval(max(0, targetSeconds)))
        guard let calendar else { return wallClock }
        return businessDueAt(start: start, targetSeconds: targetSeconds, calendar: calendar) ?? wallClock
    }

    /// When `targetSeconds` of the calendar's business time after `start` have passed,
    /// or `nil` when the calendar has too little business time in ``searchDays`` days.
    /// A target of zero or less is due at `start`.
    public static func businessDueAt(start: Date, targetSeconds: Int, calendar: BusinessCalendar) -> Date? {
        let origin = Micros(start)
        guard targetSeconds > 0 else { return start }
        guard calendar.hasBusinessHours else { return nil }
        var remaining = Int64(targetSeconds) * Micros.perSecond
        var cursor = origin
        // Start a day early: yesterday's window may run past midnight into today.
        let firstDay = calendar.localDay(of: origin) - 1
        for day in firstDay..<(firstDay + searchDays) {
            for window in calendar.windows(onDay: day) where window.end > cursor {
                let from = max(window.start, cursor)
                let available = window.end.value - from.value
                // `<=`: running out exactly at a window end is due at that end.
                if remaining <= available {
                    return Micros(value: from.value + remaining).date
                }
                remaining -= available
                cursor = window.end
            }
        }
        return nil
    }

    /// Business seconds in `from ..< to`, rounded down; 0 when `to <= from`.
    /// Without a calendar, the whole wall-clock seconds between them.
    public static func businessSeconds(from: Date, to: Date, calendar: BusinessCalendar?) -> Int {
        let lower = Micros(from), upper = Micros(to)
        guard upper > lower else { return 0 }
        guard let calendar else { return Int((upper.value - lower.value) / Micros.perSecond) }
        var total: Int64 = 0
        var cursor = lower
        for day in (calendar.localDay(of: lower) - 1)...calendar.localDay(of: upper) {
            for window in calendar.windows(onDay: day) where window.end > cursor && window.start < upper {
                let overlapStart = max(window.start, cursor)
                let overlapEnd = min(window.end, upper)
                total += overlapEnd.value - overlapStart.value
                cursor = overlapEnd
            }
        }
        return Int(total / Micros.perSecond)
    }

    /// The instant `seconds` of business time before `due` (wall time without a
    /// calendar), never before `start`: when the SLA warning fires.
    ///
    /// Walking back, time at a window start belongs to that window: a warning 300 s
    /// before a Monday 09:05 deadline fires at Monday 09:00, not at Friday 17:00.
    public static func instant(before due: Date, seconds: Int, notBefore start: Date, calendar: BusinessCalendar?) -> Date {
        guard seconds > 0 else { return max(due, start) }
        guard let calendar else { return max(due.addingTimeInterval(-TimeInterval(seconds)), start) }
        let end = Micros(due), floor = Micros(start)
        guard end > floor else { return start }
        var remaining = Int64(seconds) * Micros.perSecond
        var cursor = end
        // Days from the due date back to the day before the start; nothing earlier can matter.
        for day in stride(from: calendar.localDay(of: end), through: calendar.localDay(of: floor) - 1, by: -1) {
            for window in calendar.windows(onDay: day).reversed() where window.start < cursor {
                let to = min(window.end, cursor)
                let available = to.value - window.start.value
                if remaining <= available {
                    let warning = Micros(value: to.value - remaining)
                    return warning > floor ? warning.date : start
                }
                remaining -= available
                cursor = window.start
            }
        }
        return start
    }
}
