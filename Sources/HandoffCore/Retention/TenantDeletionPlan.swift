/// The order in which a tenant's tables are emptied: every table before the
/// tables it refers to, so no foreign key is ever left pointing at a deleted row.
///
/// The tables are read from the schema itself (every table with a
/// `tenant_id`, and their foreign keys), not listed by hand: a table a later
/// migration adds is deleted too, without anyone remembering to add it here.
public enum TenantDeletionPlan {
    public struct Reference: Sendable, Hashable {
        public var from: String
        public var to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public enum Failure: Error, Sendable, Equatable {
        /// Tables that refer to each other in a ring: no order empties them
        /// one at a time. (The schema has none; one would need a deferred key.)
        case cycle([String])
    }

    /// `tables` in an order where each comes before every table it refers to.
    /// References to tables outside `tables` (such as `tenants`, deleted last
    /// and by itself) and a table's references to itself (emptied in one
    /// statement, which checks its keys at the end) are ignored. Ties keep
    /// name order, so the plan is the same every time.
    public static func order(tables: Set<String>, references: [Reference]) -> Result<[String], Failure> {
        // Edges point from a referenced table to the tables that refer to it:
        // a table can go once nothing left refers to it.
        var referrers: [String: Set<String>] = [:]
        for reference in references where reference.from != reference.to && tables.contains(reference.from) && tables.contains(reference.to) {
            referrers[reference.to, default: []].insert(reference.from)
        }
        var remaining = tables
        var order: [String] = []
        while !remaining.isEmpty {
            let free = remaining.filter { (referrers[$0] ?? []).isDisjoint(with: remaining) }.sorted()
            guard !free.isEmpty else { return .failure(.cycle(remaining.sorted())) }
            order += free
            remaining.subtract(free)
        }
        return .success(order)
    }
}
