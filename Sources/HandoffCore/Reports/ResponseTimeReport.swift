import Foundation

/// How response-time rows are grouped.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case owner, funnel, team, day
}

/// One group of qualified leads: how many, how fast they were answered
/// (business seconds), and the share of decided SLAs that were met.
public struct ResponseTimeRow: Sendable, Equatable, Codable {
    public var key: String
    public var label: String
    public var leads: Int
    public var responded: Int
    public var met: Int
    public var breached: Int
    public var medianSeconds: Double?
    public var p90Seconds: Double?
    /// met / (met + breached); nil while nothing is decided.
    public var attainment: Double?

    enum CodingKeys: String, CodingKey {
        case key, label, leads, responded, met, breached, attainment
        case medianSeconds = "median_seconds", p90Seconds = "p90_seconds"
    }

    public init(key: String, label: String, leads: Int, responded: Int, met: Int, breached: Int, medianSeconds: Double?, p90Seconds: Double?, attainment: Double?) {
        self.key = key
        self.label = label
        self.leads = leads
        self.responded = responded
        self.met = met
        self.breached = breached
        self.medianSeconds = medianSeconds
        self.p90Seconds = p90Seconds
        self.attainment = attainment
    }
}

/// The report's query, checked as a whole.
public struct ResponseTimeQuery: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var grouping: ReportGrouping
    public var funnelID: UUID?
    public var ownerID: UUID?

    /// A year at most: a report spans what a RevOps review looks at, and stays fast.
    public static let maxSpan: TimeInterval = 366 * 86_400

    public static func validate(from: Date?, to: Date?, groupBy: String?, funnelID: String?, ownerID: String?) -> Result<ResponseTimeQuery, ValidationFailure> {
        var v = Validator()
        if from == nil { v.fail("from", "is required") }
        if to == nil { v.fail("to", "is required") }
        if let from, let to {
            v.check(from < to, "to", "must be after from")
            v.check(to.timeIntervalSince(from) <= maxSpan, "to", "must be at most 366 days after from")
        }
        let grouping = groupBy.flatMap(ReportGrouping.init(rawValue:))
        if grouping == nil { v.fail("group_by", "must be owner, funnel, team or day") }
        let funnel = funnelID.flatMap(UUID.init(uuidString:))
        if funnelID != nil, funnel == nil { v.fail("funnel_id", "must be a UUID") }
        let owner = ownerID.flatMap(UUID.init(uuidString:))
        if ownerID != nil, owner == nil { v.fail("owner_id", "must be a UUID") }
        guard let from, let to, let grouping, v.isValid else { return .failure(ValidationFailure(errors: v.errors)) }
        return .success(ResponseTimeQuery(from: from, to: to, grouping: grouping, funnelID: funnel, ownerID: owner))
    }
}
