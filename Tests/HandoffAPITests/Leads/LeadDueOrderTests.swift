@testable import HandoffTestSupport
import Foundation
import Testing

/// `GET /v1/leads?sort=due_at`: the admin UI's board (running clocks, soonest
/// due first) and every other lead list in due_at order, cursor-paged.
@Suite struct LeadDueOrderTests {
    /// Acme's leads, made on a hand-set clock (Wednesday 2026-11-25, 10:00 in
    /// Berlin, inside the seed calendar's hours), and Globex's, due sooner
    /// than most of them.
    struct Fixture {
        var seed: SeedConfiguration
        var slowFunnel: String
        /// Every Acme lead as created (or, for the one responded to, as it is now).
        var leads: [[String: Any]]
        var globex: SeedConfiguration
        var globexLeads: [String]
    }

    static func fixture(_ app: TestApp, clock: TestClock) async throws -> Fixture {
        let seed = try await SeedConfiguration.create(on: app)
        // A second funnel on a one-hour wall-clock policy: leads made earlier are due later.
        let hour = try await app.createPolicy(key: seed.key, name: "Within the hour", extra: ["target_seconds": 3600])
        let slow = try await app.createFunnel(key: seed.key, name: "Newsletter", policyID: hour, extra: ["fallback_owner_id": seed.bob])
        var made = 0
        func submit(_ seed: SeedConfiguration, funnel: String? = nil, score: Int = 90, country: String = "DE") async throws -> [String: Any] {
            made += 1
            let body = """
                {"funnel_id":"\(funnel ?? seed.funnel)","external_id":"quiz-\(made)","email":"Lead\(made)@Example.de","score":\(score),
                 "answers":{},"attributes":{"country":"\(country)"}}
                """
            return try await app.create("/v1/leads", key: seed.key, json: body)
        }
        var leads: [[String: Any]] = []
        // 10:00 Berlin: two due 10:05 (a tie), one due 11:00.
        leads.append(try await submit(seed))
        leads.append(try await submit(seed))
        leads.append(try await submit(seed, funnel: slow))
        clock.advance(by: 60)
        leads.append(try await submit(seed, score: 50))  // unqualified: no clock, no due_at
        clock.advance(by: 60)
        // 10:02: two due 10:07; one of them answered at once (met: off the board, still due 10:07).
        leads.append(try await submit(seed, country: "US"))
        let answered = try await submit(seed)
        let responded = try await app.request(.post, "/v1/leads/\(answered["id"] as? String ?? "")/responses", key: seed.key, json: #"{"channel":"call"}"#)
        #expect(responded.status == .created, "\(responded.text)")
        leads.append(try responded.json())
        clock.advance(by: 60)
        leads.append(try await submit(seed, funnel: slow))  // due 11:03
        clock.advance(by: 60)
        leads.append(try await submit(seed, score: 10))
        clock.advance(by: 60)
        // 10:05: two more due 10:10, a tie that straddles a page of two.
        leads.append(try await submit(seed))
        leads.append(try await submit(seed, country: "AT"))

        // Globex's clocks, started at 10:00 and due before most of Acme's.
        clock.advance(by: -300)
        let globex = try await SeedConfiguration.create(on: app, tenant: "Globex")
        var globexLeads: [String] = []
        for _ in 0..<3 { globexLeads.append(try await submit(globex)["id"] as? String ?? "") }
        clock.advance(by: 300)
        return Fixture(seed: seed, slowFunnel: slow, leads: leads, globex: globex, globexLeads: globexLeads)
    }

    /// Soonest due first, ties by id; no due_at last, by id.
    static func dueOrder(_ leads: [[String: Any]]) -> [String] {
        func due(_ lead: [String: Any]) -> String? { (lead["sla"] as? [String: Any])?["due_at"] as? String }
        return leads.sorted { a, b in
            switch (due(a), due(b)) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return (a["id"] as? String ?? "") < (b["id"] as? String ?? "")
            }
        }.compactMap { $0["id"] as? String }
    }

    /// Every page of `path` with `limit`, checked page by page.
    static func pages(_ app: TestApp, _ path: String, key: String, limit: Int) async throws -> [String] {
        let (items, pages) = try await app.listAll(path, key: key, limit: limit)
        let ids = items.compactMap { $0["id"] as? String }
        #expect(Set(ids).count == ids.count, "a lead twice in \(path) by \(limit): \(ids)")
        // A full last page has no next_cursor: more remain only when limit + 1 rows came back.
        #expect(pages == max(1, (ids.count + limit - 1) / limit), "\(pages) pages of \(limit) for \(ids.count) leads")
        return ids
    }

    @Test func theBoardListsRunningClocksSoonestDueFirstAcrossPages() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let f = try await Self.fixture(app, clock: clock)
            let running = f.leads.filter { ($0["sla"] as? [String: Any])?["state"] as? String == "running" }
            #expect(running.count == 7)
            let board = Self.dueOrder(running)
            let dues = board.compactMap { id in f.leads.first { $0["id"] as? String == id }.flatMap { ($0["sla"] as? [String: Any])?["due_at"] as? String } }
            #expect(dues == [
                "2026-11-25T09:05:00.000Z", "2026-11-25T09:05:00.000Z", "2026-11-25T09:07:00.000Z",
                "2026-11-25T09:10:00.000Z", "2026-11-25T09:10:00.000Z", "2026-11-25T10:00:00.000Z", "2026-11-25T10:03:00.000Z",
            ])
            for limit in [1, 2, 3, 200] {
                #expect(try await Self.pages(app, "/v1/leads?sla_state=running&sort=due_at", key: f.seed.key, limit: limit) == board, "limit \(limit)")
            }
            // The filters in the other order, and a read key sees the same board.
            #expect(try await Self.pages(app, "/v1/leads?sort=due_at&sla_state=running", key: f.seed.key, limit: 2) == board)
            let read = try await app.createKey(adminKey: f.seed.key, scopes: ["read"])
            #expect(try await app.listIDs("/v1/leads?sla_state=running&sort=due_at", key: read.secret) == board)

            // Globex sees its own clocks only, and Acme none of Globex's.
            #expect(Set(board).isDisjoint(with: f.globexLeads))
            let globexBoard = try await Self.pages(app, "/v1/leads?sla_state=running&sort=due_at", key: f.globex.key, limit: 2)
            #expect(Set(globexBoard) == Set(f.globexLeads))
            #expect(globexBoard == f.globexLeads.sorted(), "one due instant: by id")
        }
    }

    @Test func everyLeadIsListedInDueOrderWithNoDueAtLast() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let f = try await Self.fixture(app, clock: clock)
            let expected = Self.dueOrder(f.leads)
            #expect(expected.count == 10)
            // The last two are the unqualified ones, oldest first (ids are time-ordered).
            let unqualified = f.leads.filter { $0["status"] as? String == "unqualified" }.compactMap { $0["id"] as? String }
            #expect(Array(expected.suffix(2)) == unqualified)
            for limit in [1, 2, 3, 4, 10, 11, 200] {
                #expect(try await Self.pages(app, "/v1/leads?sort=due_at", key: f.seed.key, limit: limit) == expected, "limit \(limit)")
            }
            // The default order is unchanged: newest first, spelled or not.
            let newest = f.leads.compactMap { $0["id"] as? String }.sorted(by: >)
            #expect(try await Self.pages(app, "/v1/leads", key: f.seed.key, limit: 3) == newest)
            #expect(try await Self.pages(app, "/v1/leads?sort=-created_at", key: f.seed.key, limit: 3) == newest)
        }
    }

    @Test func everyFilterKeepsWorkingInBothOrders() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let f = try await Self.fixture(app, clock: clock)
            let key = f.seed.key
            func lead(_ id: String) -> [String: Any] { f.leads.first { $0["id"] as? String == id } ?? [:] }
            let byID = Dictionary(uniqueKeysWithValues: f.leads.map { ($0["id"] as? String ?? "", $0) })
            let tenPastTwo = "2026-11-25T09:02:00.000Z"
            let filters: [(query: String, matches: ([String: Any]) -> Bool)] = [
                ("status=assigned", { $0["status"] as? String == "assigned" }),
                ("status=unqualified", { $0["status"] as? String == "unqualified" }),
                ("sla_state=met", { ($0["sla"] as? [String: Any])?["state"] as? String == "met" }),
                ("owner_id=\(f.seed.bob)", { $0["owner_id"] as? String == f.seed.bob }),
                ("owner_id=\(f.seed.ana)&sla_state=running", {
                    $0["owner_id"] as? String == f.seed.ana && ($0["sla"] as? [String: Any])?["state"] as? String == "running"
                }),
                ("funnel_id=\(f.slowFunnel)", { $0["funnel_id"] as? String == f.slowFunnel }),
                ("created_after=2026-11-25T09:02:00Z", { ($0["created_at"] as? String ?? "") >= tenPastTwo }),
                ("created_before=2026-11-25T09:02:00Z", { ($0["created_at"] as? String ?? "") < tenPastTwo }),
                ("created_after=2026-11-25T09:01:00Z&created_before=2026-11-25T09:04:00Z&sla_state=running", {
                    let created = $0["created_at"] as? String ?? ""
                    return created >= "2026-11-25T09:01:00.000Z" && created < "2026-11-25T09:04:00.000Z"
                        && ($0["sla"] as? [String: Any])?["state"] as? String == "running"
                }),
                ("external_id=quiz-3", { $0["external_id"] as? String == "quiz-3" }),
                ("email=LEAD5%40example.DE", { ($0["email"] as? String)?.lowercased() == "lead5@example.de" }),
            ]
            for (query, matches) in filters {
                let subset = f.leads.filter(matches)
                #expect(!subset.isEmpty, "\(query) matches nothing: the check would be empty")
                let due = try await Self.pages(app, "/v1/leads?sort=due_at&\(query)", key: key, limit: 2)
                #expect(due == Self.dueOrder(subset), "sort=due_at&\(query)")
                let newest = try await Self.pages(app, "/v1/leads?sort=-created_at&\(query)", key: key, limit: 2)
                #expect(newest == subset.compactMap { $0["id"] as? String }.sorted(by: >), "sort=-created_at&\(query)")
            }
            // Bob's running clocks, soonest first: the US lead (10:07), then the slow funnel's two.
            let bobs = try await Self.pages(app, "/v1/leads?sort=due_at&sla_state=running&owner_id=\(f.seed.bob)", key: key, limit: 2)
            #expect(bobs.map { (byID[$0]?["sla"] as? [String: Any])?["due_at"] as? String ?? "" }
                    == ["2026-11-25T09:07:00.000Z", "2026-11-25T10:00:00.000Z", "2026-11-25T10:03:00.000Z"])
            #expect(bobs.allSatisfy { lead($0)["owner_id"] as? String == f.seed.bob })
        }
    }

    @Test func aCursorContinuesOnlyTheOrderItCameFrom() async throws {
        let clock = TestClock(.wednesdayMorning)
        try await TestApp.run(clock: clock.function) { app in
            let f = try await Self.fixture(app, clock: clock)
            let key = f.seed.key
            func nextCursor(_ path: String) async throws -> String {
                let cursor = try await app.get(path, key: key)["next_cursor"] as? String
                return try #require(cursor, "\(path) has a next page").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            }
            let due = try await nextCursor("/v1/leads?sort=due_at&limit=2")
            let newest = try await nextCursor("/v1/leads?limit=2")
            for (path, other) in [
                ("/v1/leads?limit=2&cursor=\(due)", "due_at"),
                ("/v1/leads?sort=-created_at&limit=2&cursor=\(due)", "due_at"),
                ("/v1/leads?sort=due_at&limit=2&cursor=\(newest)", "-created_at"),
                ("/v1/leads?sort=due_at&sla_state=running&cursor=\(newest)", "-created_at"),
            ] {
                let response = try await app.request(.get, path, key: key)
                #expect(response.status == .unprocessableContent, "\(path): \(response.status) \(response.text)")
                let errors = try response.json()["errors"] as? [[String: Any]] ?? []
                #expect(errors.compactMap { $0["field"] as? String } == ["cursor"], "\(path): \(response.text)")
                #expect((errors.first?["message"] as? String)?.contains("sort=\(other)") == true, "\(response.text)")
            }
            // Each in its own order goes on, and so does a due_at cursor with a filter added.
            #expect(try await app.request(.get, "/v1/leads?sort=due_at&limit=2&cursor=\(due)", key: key).status == .ok)
            #expect(try await app.request(.get, "/v1/leads?limit=2&cursor=\(newest)", key: key).status == .ok)
            #expect(try await app.request(.get, "/v1/leads?sort=due_at&sla_state=running&cursor=\(due)", key: key).status == .ok)
            // An unknown sort is named like every parameter.
            let bogus = try await app.request(.get, "/v1/leads?sort=-due_at", key: key)
            #expect(bogus.status == .unprocessableContent)
            #expect(bogus.text.contains(#""field":"sort""#), "\(bogus.text)")

            // Acme's cursor in Globex's list positions Globex's leads and shows nothing of Acme's.
            let acmeCursor = try await nextCursor("/v1/leads?sort=due_at&sla_state=running&limit=1")
            let globex = try await app.listIDs("/v1/leads?sort=due_at&cursor=\(acmeCursor)", key: f.globex.key)
            #expect(Set(globex).isSubset(of: f.globexLeads))
        }
    }
}
