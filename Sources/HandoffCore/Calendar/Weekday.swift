import Foundation

/// A day of the week as clients spell it in calendar hours (`"mon"` … `"sun"`).
/// Declared in ISO order so `index` (Monday = 0) doubles as the position in a week.
public enum Weekday: String, Sendable, Codable, CaseIterable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// Monday = 0 … Sunday = 6.
    public var index: Int {
        switch self {
        case .mon: 0
        case .tue: 1
        case .wed: 2
        case .thu: 3
        case .fri: 4
        case .sat: 5
        case .sun: 6
        }
    }

    public init?(index: Int) {
        switch index {
        case 0: self = .mon
        case 1: self = .tue
        case 2: self = .wed
        case 3: self = .thu
        case 4: self = .fri
        case 5: self = .sat
        case 6: self = .sun
        default: return nil
        }
    }

    /// The weekday of a day counted from 1970-01-01, which was a Thursday.
    init(dayNumber: Int) {
        self = Weekday(index: ((dayNumber % 7) + 7 + 3) % 7) ?? .mon
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        lhs.index < rhs.index
    }
}
