import Foundation

/// What the retention worker keeps, as instants computed from one "now".
///
/// Events and deliveries (with their attempts) are kept for `days`
/// (HANDOFF_RETENTION_DAYS): long enough for a year's reports and disputes.
/// Fired and cancelled timers are kept `settledTimerAge`: nothing reads them
/// once settled, the short stay only helps whoever investigates a lead.
/// Idempotency-Key replays are kept exactly their promised window.
/// Usage is rolled up per UTC day once the day has been over for
/// `rollupDelay`, which covers a delivery whose outcome is recorded a little
/// after the instant it was made (the record follows the send), and clock
/// skew between processes.
public struct RetentionPolicy: Sendable, Equatable {
    public static let defaultDays = 400
    /// From one day (nothing would be left to investigate below it) to a
    /// century (beyond any storage plan).
    public static let allowedDays = 1...36_500

    public var days: Int
    public var settledTimerAge: TimeInterval
    public var idempotencyWindow: TimeInterval
    public var rollupDelay: TimeInterval

    public init(
        days: Int = RetentionPolicy.defaultDays,
        settledTimerAge: TimeInterval = 86_400,
        idempotencyWindow: TimeInterval = 86_400,
        rollupDelay: TimeInterval = 3_600
    ) {
        self.days = days
        self.settledTimerAge = settledTimerAge
        self.idempotencyWindow = idempotencyWindow
        self.rollupDelay = rollupDelay
    }

    /// HANDOFF_RETENTION_DAYS as given: nil (unset or empty) is the default;
    /// anything but a whole number of days in range is refused with a message
    /// that says what to set.
    public static func days(from text: String?) -> Result<Int, InvalidRetentionDays> {
        guard let text = text?.trimmingWhitespace(), !text.isEmpty else { return .success(defaultDays) }
        guard let days = Int(text), allowedDays.contains(days) else {
            return .failure(InvalidRetentionDays(
                message: "HANDOFF_RETENTION_DAYS must be a whole number of days from \(allowedDays.lowerBound) to \(allowedDays.upperBound), not '\(text)'."
            ))
        }
        return .success(days)
    }

    /// Events, deliveries and attempts made before this are pruned.
    public func recordsCutoff(now: Date) -> Date {
        now.addingTimeInterval(-Double(days) * 86_400)
    }

    /// Timers fired or cancelled before this are pruned.
    public func settledTimersCutoff(now: Date) -> Date {
        now.addingTimeInterval(-settledTimerAge)
    }

    /// Idempotency keys stored before this have outlived their replay window.
    public func idempotencyCutoff(now: Date) -> Date {
        now.addingTimeInterval(-idempotencyWindow)
    }

    /// The UTC midnight before which every day is closed for billing: days
    /// that ended at least `rollupDelay` ago.
    public func closedBefore(now: Date) -> Date {
        UsageDay.start(of: now.addingTimeInterval(-rollupDelay))
    }
}

public struct InvalidRetentionDays: Error, Sendable, Equatable {
    public var message: String
}

/// UTC days, as billing counts them.
public enum UsageDay {
    /// Midnight UTC of the day `instant` falls in.
    public static func start(of instant: Date) -> Date {
        let seconds = instant.timeIntervalSince1970
        return Date(timeIntervalSince1970: (seconds / 86_400).rounded(.down) * 86_400)
    }

    /// `YYYY-MM-DD` of the UTC day starting at `start`.
    public static func label(_ start: Date) -> String {
        String(RFC3339Timestamp.format(start).prefix(10))
    }
}

extension UUID {
    /// The smallest version 7 UUID of `instant`'s millisecond: every id made
    /// by `UUID.v7(at:)` before that millisecond sorts below it (Postgres
    /// compares uuids byte by byte), so `id < floor` walks a table's primary
    /// key over its old rows only.
    public static func v7Floor(at instant: Date) -> UUID {
        let millis = UInt64(max(0, (instant.timeIntervalSince1970 * 1000).rounded(.down)))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(index))))
        }
        bytes[6] = 0x70
        bytes[8] = 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }
}
