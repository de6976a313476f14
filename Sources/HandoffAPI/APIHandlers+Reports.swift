import Foundation
import HandoffCore
import HandoffOpenAPI
import HandoffStore
import OpenAPIRuntime

extension APIHandlers {
    func getResponseTimeReport(_ input: Operations.GetResponseTimeReport.Input) async throws -> Operations.GetResponseTimeReport.Output {
        let tenantID = try RequestIdentity.tenantID()
        let q = input.query
        let query = try ResponseTimeQuery.validate(
            from: q.from, to: q.to, groupBy: q.groupBy.rawValue, funnelID: q.funnelId, ownerID: q.ownerId
        ).orThrow()
        let rows = try await ReportStore(database: database).responseTimes(query, tenantID: tenantID)
        return .ok(.init(body: .json(.init(
            from: query.from, to: query.to, groupBy: query.grouping.rawValue, rows: try rows.map { try wire($0) }
        ))))
    }

    /// A tenant's own usage by day (`from`/`to`, or a `period`), or — for the
    /// operator — every tenant's usage for a `period`. JSON, or CSV on `Accept: text/csv`.
    func getUsage(_ input: Operations.GetUsage.Input) async throws -> Operations.GetUsage.Output {
        let usage = UsageStore(database: database)
        let rows: [UsageRow]
        switch RequestIdentity.current {
        case .operatorKey:
            guard let text = input.query.period else {
                throw Problem.validation([FieldError(field: "period", message: "is required with the operator key, e.g. 2026-11")])
            }
            guard let period = BillingPeriod(text) else { throw Problem.validation([FieldError(field: "period", message: "must be a month like 2026-11")]) }
            rows = try await usage.monthly(period)
        case .tenantKey(let tenantID, _, _):
            let (from, to) = try Self.usageRange(input.query)
            rows = try await usage.daily(tenantID: tenantID, from: from, to: to)
        case nil:
            throw Problem.unauthorized("Send Authorization: Bearer <key>.")
        }
        // CSV when the client prefers it to JSON; JSON otherwise (also for */*).
        func quality(_ type: Operations.GetUsage.AcceptableContentType) -> Double {
            input.headers.accept.filter { $0.contentType == type }.map(\.quality.doubleValue).max() ?? 0
        }
        if quality(.csv) > quality(.json) {
            return .ok(.init(body: .csv(HTTPBody(CSV.usage(rows)))))
        }
        return .ok(.init(body: .json(.init(data: try rows.map { try wire($0) }))))
    }

    /// `from`/`to` are inclusive UTC dates; a `period` is its month.
    private static func usageRange(_ query: Operations.GetUsage.Input.Query) throws -> (Date, Date) {
        if let text = query.period, query.from == nil, query.to == nil {
            guard let period = BillingPeriod(text) else { throw Problem.validation([FieldError(field: "period", message: "must be a month like 2026-11")]) }
            return (period.start, period.end)
        }
        var v = Validator()
        let from = query.from.flatMap { LocalDate(parsing: $0) }
        let to = query.to.flatMap { LocalDate(parsing: $0) }
        if from == nil { v.fail("from", query.from == nil ? "is required (or give a period)" : "must be a date like 2026-11-01") }
        if to == nil { v.fail("to", query.to == nil ? "is required (or give a period)" : "must be a date like 2026-11-30") }
        guard let from, let to, v.isValid else { throw Problem.validation(v.errors) }
        let start = from.startOfDayUTC, end = to.startOfDayUTC.addingTimeInterval(86_400)
        guard start < end, end.timeIntervalSince(start) <= 366 * 86_400 else {
            throw Problem.validation([FieldError(field: "to", message: "must be on or after from, at most 366 days later")])
        }
        return (start, end)
    }
}
