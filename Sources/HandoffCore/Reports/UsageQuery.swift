import Foundation

/// `GET /v1/usage`'s query parameters, for the operator and for a tenant.
///
/// Every parameter given is checked, never ignored: a client that sends a
/// `period` with `from`/`to`, or a range with the operator key, would otherwise
/// get a report for something other than what it asked, and not know it.
public enum UsageQuery {
    /// The longest range of days a tenant may ask for at once.
    public static let maxDays = 366

    /// The operator's report: every tenant, one calendar month (UTC), by `period`.
    public static func operatorPeriod(period: String?, from: String?, to: String?) -> Result<BillingPeriod, ValidationFailure> {
        var v = Validator()
        let month = Self.month(period, &v)
        if period == nil { v.fail("period", "is required with the operator key, e.g. 2026-11") }
        for (field, value) in [("from", from), ("to", to)] where value != nil {
            v.fail(field, "is not used with the operator key: its report is for a period, e.g. period=2026-11")
        }
        guard let month, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(month)
    }

    /// A tenant's own usage by day: `from` and `to` inclusive, or a `period`'s days;
    /// the answer runs from the first day's UTC midnight to the one after the last.
    public static func tenantDays(period: String?, from: String?, to: String?) -> Result<Range<Date>, ValidationFailure> {
        var v = Validator()
        if period != nil {
            let month = Self.month(period, &v)
            if from != nil || to != nil { v.fail("period", "give either a period or from and to, not both") }
            guard let month, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
            return .success(month.start..<month.end)
        }
        let first = from.flatMap { LocalDate(parsing: $0) }
        let last = to.flatMap { LocalDate(parsing: $0) }
        if first == nil { v.fail("from", from == nil ? "is required (or give a period)" : "must be a date like 2026-11-01") }
        if last == nil { v.fail("to", to == nil ? "is required (or give a period)" : "must be a date like 2026-11-30") }
        guard let first, let last, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        let start = first.startOfDayUTC, end = last.startOfDayUTC.addingTimeInterval(86_400)
        guard start < end, end.timeIntervalSince(start) <= Double(maxDays) * 86_400 else {
            return .failure(ValidationFailure(errors: [
                FieldError(field: "to", message: "must be on or after from, at most \(maxDays) days later"),
            ]))
        }
        return .success(start..<end)
    }

    /// The `period` when given and well formed; a field error when given and not.
    private static func month(_ period: String?, _ v: inout Validator) -> BillingPeriod? {
        guard let period else { return nil }
        guard let month = BillingPeriod(period) else {
            v.fail("period", "must be a month like 2026-11")
            return nil
        }
        return month
    }
}
