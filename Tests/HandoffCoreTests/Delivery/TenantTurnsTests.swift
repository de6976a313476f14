import HandoffCore
import Testing

@Suite struct TenantTurnsTests {
    @Test("tenants take turns; each tenant's items keep their order")
    func rotation() {
        var turns = TenantTurns<String, Int>()
        for item in 1...5 { turns.append(item, for: "busy") }
        turns.append(100, for: "quiet")
        turns.append(200, for: "other")
        var served: [Int] = []
        while let item = turns.next() { served.append(item) }
        #expect(served == [1, 100, 200, 2, 3, 4, 5])
        #expect(turns.isEmpty)
    }

    @Test("a tenant that arrives later waits one turn of each tenant ahead of it, not for their backlogs")
    func lateArrival() {
        var turns = TenantTurns<String, Int>()
        for item in 1...4 { turns.append(item, for: "busy") }
        #expect(turns.next() == 1)
        turns.append(100, for: "quiet")
        #expect(turns.next() == 2)
        #expect(turns.next() == 100)
        #expect(turns.next() == 3)
        #expect(turns.count == 1)
    }

    @Test("removing a waiter keeps everyone else's place; an emptied tenant leaves the rotation")
    func removal() {
        var turns = TenantTurns<String, Int>()
        turns.append(1, for: "a")
        turns.append(2, for: "a")
        turns.append(10, for: "b")
        #expect(turns.remove(for: "b", where: { $0 == 10 }) == 10)
        #expect(turns.remove(for: "b", where: { $0 == 10 }) == nil)
        #expect(turns.remove(for: "a", where: { $0 == 2 }) == 2)
        #expect(turns.next() == 1)
        #expect(turns.next() == nil)
    }
}
