/// Waiting work taken tenant by tenant: each tenant's items in arrival
/// order, the tenants in rotation. A tenant that queued a thousand items and
/// one that queued one since wait one turn each, not in one line.
public struct TenantTurns<Tenant: Hashable, Item> {
    private var queues: [Tenant: [Item]] = [:]
    /// Tenants with something waiting, the next to be served first.
    private var rotation: [Tenant] = []

    public init() {}

    public var isEmpty: Bool { rotation.isEmpty }
    public var count: Int { queues.values.reduce(0) { $0 + $1.count } }

    public mutating func append(_ item: Item, for tenant: Tenant) {
        if queues[tenant, default: []].isEmpty { rotation.append(tenant) }
        queues[tenant, default: []].append(item)
    }

    /// The first item of the tenant whose turn it is; that tenant goes to the
    /// back of the rotation if it still has items.
    public mutating func next() -> Item? {
        guard !rotation.isEmpty else { return nil }
        let tenant = rotation.removeFirst()
        var queue = queues.removeValue(forKey: tenant) ?? []
        guard !queue.isEmpty else { return next() }
        let item = queue.removeFirst()
        if !queue.isEmpty {
            queues[tenant] = queue
            rotation.append(tenant)
        }
        return item
    }

    /// Takes out the first item of `tenant` matching `predicate` (a waiter
    /// that gave up), keeping everyone's place.
    public mutating func remove(for tenant: Tenant, where predicate: (Item) -> Bool) -> Item? {
        guard var queue = queues[tenant], let index = queue.firstIndex(where: predicate) else { return nil }
        let item = queue.remove(at: index)
        if queue.isEmpty {
            queues[tenant] = nil
            rotation.removeAll { $0 == tenant }
        } else {
            queues[tenant] = queue
        }
        return item
    }
}

extension TenantTurns: Sendable where Tenant: Sendable, Item: Sendable {}
