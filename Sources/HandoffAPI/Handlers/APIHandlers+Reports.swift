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
        let query = input.query
        let rows: [UsageRow]
        switch RequestIdentity.current {
        case .operatorKey:
            let period = try UsageQuery.operatorPeriod(period: query.period, from: query.from, to: query.to).orThrow()
            rows = try await usage.monthly(period)
        case .tenantKey(let tenantID, _, _):
            let days = try UsageQuery.tenantDays(period: query.period, from: query.from, to: query.to).orThrow()
            rows = try await usage.daily(tenantID: tenantID, from: days.lowerBound, to: days.upperBound)
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
}
