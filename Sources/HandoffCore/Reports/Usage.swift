import Foundation

/// What billing meters, per tenant: derived from the leads and deliveries
/// themselves, so a replayed request or a retried delivery (one row, many
/// attempts) can never count twice.
public enum UsageMetric: String, Sendable, Codable, CaseIterable {
    case leadsReceived = "leads_received"
    case leadsQualified = "leads_qualified"
    /// Per channel type, in `dimension`.
    case notificationsDelivered = "notifications_delivered"
    /// Distinct owners with a lead in the month.
    case activeOwners = "active_owners"
}

public struct UsageRow: Sendable, Equatable, Codable {
    public var tenantID: UUID
    public var tenantName: String
    /// `YYYY-MM-DD` for a day, `YYYY-MM` for a month.
    public var period: String
    public var metric: UsageMetric
    /// The channel type for notifications_delivered; empty otherwise.
    public var dimension: String
    public var value: Int

    enum CodingKeys: String, CodingKey {
        case period, metric, dimension, value
        case tenantID = "tenant_id", tenantName = "tenant_name"
    }

    public init(tenantID: UUID, tenantName: String, period: String, metric: UsageMetric, dimension: String = "", value: Int) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.period = period
        self.metric = metric
        self.dimension = dimension
        self.value = value
    }
}

/// A calendar month in UTC, the billing period: `2026-11` is
/// [2026-11-01T00:00Z, 2026-12-01T00:00Z).
public struct BillingPeriod: Sendable, Equatable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), (1970...9999).contains(year)
        else { return nil }
        self.year = year
        self.month = month
    }

    public var description: String { String(format: "%04d-%02d", year, month) }

    public var start: Date { Self.firstDay(year, month) }
    public var end: Date { month == 12 ? Self.firstDay(year + 1, 1) : Self.firstDay(year, month + 1) }

    private static func firstDay(_ year: Int, _ month: Int) -> Date {
        LocalDate(year: year, month: month, day: 1)?.startOfDayUTC ?? Date(timeIntervalSince1970: 0)
    }
}

extension LocalDate {
    /// Midnight UTC of this date: billing days and months are UTC.
    public var startOfDayUTC: Date {
        Self.utcCalendar.date(from: DateComponents(year: year, month: month, day: day)) ?? Date(timeIntervalSince1970: 0)
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}

/// RFC 4180 CSV: CRLF line ends, fields with commas, quotes or line breaks
/// quoted, quotes doubled.
public enum CSV {
    public static func usage(_ rows: [UsageRow]) -> String {
        var lines = ["tenant_id,tenant_name,period,metric,dimension,value"]
        for row in rows {
            lines.append([row.tenantID.lowercasedString, spreadsheetSafe(row.tenantName), row.period, row.metric.rawValue, row.dimension, String(row.value)]
                .map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A tenant names itself: a name a spreadsheet would read as a formula
    /// (`=HYPERLINK(…)`, `+`, `-`, `@`, or a leading tab or CR) is written
    /// with a leading `'`, which spreadsheets show as text (OWASP's advice for
    /// CSV injection). Billing opens this file in one.
    public static func spreadsheetSafe(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
