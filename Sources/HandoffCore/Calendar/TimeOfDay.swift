import Foundation

/// A wall-clock time `HH:MM` on a local day, kept as minutes after midnight.
/// `24:00` (``endOfDay``) exists only so a window can end at the following midnight.
public struct TimeOfDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// 0 … 1440.
    public let minutes: Int

    public static let midnight = TimeOfDay(uncheckedMinutes: 0)
    public static let endOfDay = TimeOfDay(uncheckedMinutes: 24 * 60)

    /// 00:00 … 23:59.
    public init?(hour: Int, minute: Int) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.minutes = hour * 60 + minute
    }

    private init(uncheckedMinutes: Int) {
        self.minutes = uncheckedMinutes
    }

    /// Strict `HH:MM` (two digits each). `24:00` only when `allowEndOfDay`.
    public init?(parsing text: String, allowEndOfDay: Bool = false) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy({ $0.isASCII && $0.isNumber }) }),
              let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        if allowEndOfDay, hour == 24, minute == 0 {
            self = .endOfDay
            return
        }
        self.init(hour: hour, minute: minute)
    }

    public var description: String {
        let hour = minutes / 60, minute = minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool {
        lhs.minutes < rhs.minutes
    }

    // Stored and sent as the same `HH:MM` text clients write; `24:00` is accepted
    // on decode because a stored window end may be it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = TimeOfDay(parsing: text, allowEndOfDay: true) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected HH:MM, got \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
