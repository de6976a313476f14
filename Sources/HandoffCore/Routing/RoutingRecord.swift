import Foundation

/// How a lead was routed, as stored in `leads.routing` and shown on GET.
public struct RoutingRecord: Codable, Sendable, Equatable {
    public var ruleID: UUID?
    public var strategy: String?
    public var trace: [String]

    enum CodingKeys: String, CodingKey {
        case strategy, trace
        case ruleID = "rule_id"
    }

    public init(ruleID: UUID?, strategy: String?, trace: [String]) {
        self.ruleID = ruleID
        self.strategy = strategy
        self.trace = trace
    }

    public init(_ decision: RoutingDecision) {
        self.ruleID = decision.ruleID
        self.strategy = decision.usedFallback ? "fallback" : decision.strategy
        self.trace = decision.trace
    }

    /// What `WireJSON.encode(self)` gives (nil fields left out), for every lead's
    /// row without Codable's cost; `RoutingRecordTests` hold the two equal.
    public func json() -> String {
        var writer = JSONWriter(lowercasingUUIDs: true, capacity: 1024)
        writer.beginObject()
        if let ruleID { writer.key("rule_id"); writer.id(ruleID) }
        if let strategy { writer.key("strategy"); writer.string(strategy) }
        writer.key("trace")
        writer.beginArray()
        for line in trace { writer.string(line) }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
