import Foundation

/// A stored business calendar: its name and the hours the SLA clock counts.
public struct CalendarConfig: ConfigRecord {
    public static let kind = ConfigKind.calendar

    public var id: UUID
    public var name: String
    public var timezone: String
    public var hours: [BusinessHours]
    public var holidays: [LocalDate]
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, timezone, hours, holidays
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public var references: [ConfigReference] { [] }

    /// The calendar the clock and routing compute with; nil only if the zone
    /// vanished from this machine's tz database since it was stored.
    public var businessCalendar: BusinessCalendar? {
        TimeZone(identifier: timezone).map { BusinessCalendar(timeZone: $0, hours: hours, holidays: Set(holidays)) }
    }
}

public struct CalendarConfigInput: Decodable, Sendable {
    public var name: Patch<String>
    public var timezone: Patch<String>
    public var hours: Patch<[BusinessHoursInput]>
    public var holidays: Patch<[String]>
}

extension CalendarConfig {
    public static func make(from input: CalendarConfigInput, existing: CalendarConfig?, id: UUID, now: Date) -> Result<CalendarConfig, ValidationFailure> {
        var v = Validator()
        let name = v.required(input.name, current: existing?.name, "name").flatMap { v.name($0, "name") }
        let timezone = v.required(input.timezone, current: existing?.timezone, "timezone")
        let hours = v.required(input.hours, current: existing?.hours.map {
            BusinessHoursInput(day: $0.day.rawValue, start: $0.start.description, end: $0.end.description)
        }, "hours")
        let holidays = v.defaulted(input.holidays, current: existing?.holidays.map(\.description), default: [], "holidays")
        // Checked whole even when the body changed one part: the parts only make sense together.
        var calendar: BusinessCalendar?
        if timezone != nil, hours != nil {
            switch CalendarInput.validate(timezone: timezone, hours: hours, holidays: holidays) {
            case .success(let value): calendar = value
            case .failure(let failure): failure.errors.forEach { v.fail($0.field, $0.message) }
            }
        }
        guard let name, let timezone, let calendar, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(CalendarConfig(
            id: existing?.id ?? id, name: name, timezone: timezone, hours: calendar.hours,
            holidays: calendar.holidays.sorted(), createdAt: existing?.createdAt ?? now, updatedAt: now
        ))
    }
}
