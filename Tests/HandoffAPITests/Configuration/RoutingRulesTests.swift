@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: routing rules")
struct RoutingRulesTests {
    static let keys = ["id", "name", "funnel_id", "position", "conditions", "assign", "sla_policy_id", "created_at", "updated_at"]

    /// A tenant with an owner, a team, a policy and a funnel to point rules at.
    struct Fixture {
        var key: String
        var owner: String
        var team: String
        var policy: String
        var funnel: String
    }

    static func fixture(_ app: TestApp, name: String = "Acme") async throws -> Fixture {
        let (_, key) = try await app.createTenant(name)
        let owner = try await app.createOwner(key: key, name: "Ana")
        let team = try await app.createTeam(key: key, members: [owner])
        let (policy, funnel) = try await app.createFunnelChain(key: key)
        return Fixture(key: key, owner: owner, team: team, policy: policy, funnel: funnel)
    }

    static func rule(_ change: [String: Any], team: String) -> String {
        var body: [String: Any] = ["name": "Rule", "position": 10, "assign": ["strategy": "round_robin", "team_id": team]]
        body.merge(change) { _, new in new }
        return jsonBody(body)
    }

    @Test("create, get, list, patch and delete")
    func crud() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let minimalResponse = try await app.request(.post, "/v1/routing-rules", key: f.key, json: jsonBody([
                "name": " VIP ", "position": 0, "assign": ["strategy": "owner", "owner_id": f.owner.uppercased()],
            ]))
            #expect(minimalResponse.status == .created, "\(minimalResponse.text)")
            let minimal = try minimalResponse.json()
            expectRecord(minimal, keys: Self.keys)
            let minimalID = try #require(minimal["id"] as? String)
            #expect(minimal["name"] as? String == "VIP")
            #expect(minimal["position"] as? Int == 0)
            #expect(minimal["funnel_id"] is NSNull)
            #expect(minimal["sla_policy_id"] is NSNull)
            #expect(minimalResponse.text.contains(#""funnel_id":null"#) && minimalResponse.text.contains(#""sla_policy_id":null"#))
            #expect((minimal["conditions"] as? [Any])?.isEmpty == true)
            let minimalAssign = try #require(minimal["assign"] as? [String: Any])
            #expect(minimalAssign["strategy"] as? String == "owner")
            #expect(minimalAssign["owner_id"] as? String == f.owner)
            #expect(minimalAssign["team_id"] == nil || minimalAssign["team_id"] is NSNull)

            let created = try await app.create("/v1/routing-rules", key: f.key, json: jsonBody([
                "name": "DACH", "funnel_id": f.funnel, "position": 10, "sla_policy_id": f.policy,
                "conditions": [
                    ["field": "attributes.country", "op": "in", "value": ["DE", "AT"]],
                    ["field": "score", "op": "gte", "value": 50],
                    ["field": "answers.What is your budget?", "op": "exists"],
                ],
                "assign": ["strategy": "territory", "team_id": f.team, "attribute": "attributes.country"],
            ]))
            expectRecord(created, keys: Self.keys)
            let id = try #require(created["id"] as? String)
            #expect(created["funnel_id"] as? String == f.funnel)
            #expect(created["sla_policy_id"] as? String == f.policy)
            let conditions = try #require(created["conditions"] as? [[String: Any]])
            #expect(conditions.count == 3)
            #expect(conditions[0]["field"] as? String == "attributes.country")
            #expect(conditions[0]["op"] as? String == "in")
            #expect(conditions[0]["value"] as? [String] == ["DE", "AT"])
            #expect(conditions[1]["field"] as? String == "score")
            #expect(conditions[1]["value"] as? Int == 50)
            #expect(conditions[2]["field"] as? String == "answers.What is your budget?", "keys are verbatim, dots and spaces included")
            #expect(conditions[2]["op"] as? String == "exists")
            let assign = try #require(created["assign"] as? [String: Any])
            #expect(assign["strategy"] as? String == "territory")
            #expect(assign["team_id"] as? String == f.team)
            #expect(assign["attribute"] as? String == "country", "the attributes. prefix is optional")

            #expect(jsonBody(try await app.get("/v1/routing-rules/\(id)", key: f.key)) == jsonBody(created))
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key) == [minimalID, id])

            let moved = try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["position": 20])
            #expect(moved.status == .ok, "\(moved.text)")
            let afterMove = try moved.json()
            #expect(afterMove["position"] as? Int == 20)
            #expect(canonicalJSON(afterMove["conditions"] ?? []) == canonicalJSON(created["conditions"] ?? []), "absent conditions stay")
            #expect(canonicalJSON(afterMove["assign"] ?? [:]) == canonicalJSON(created["assign"] ?? [:]), "absent assign stays")
            #expect(afterMove["created_at"] as? String == created["created_at"] as? String)

            let second = try await app.createFunnel(key: f.key, name: "Second", policyID: f.policy)
            let reassigned = try await app.patch("/v1/routing-rules/\(id)", key: f.key, [
                "assign": ["strategy": "least_loaded", "team_id": f.team], "conditions": [], "funnel_id": second,
            ])
            #expect(reassigned.status == .ok, "\(reassigned.text)")
            let after = try reassigned.json()
            #expect((after["conditions"] as? [Any])?.isEmpty == true)
            #expect(after["funnel_id"] as? String == second)
            #expect(after["sla_policy_id"] as? String == f.policy)
            let newAssign = after["assign"] as? [String: Any] ?? [:]
            #expect(newAssign["strategy"] as? String == "least_loaded")
            #expect(newAssign["attribute"] == nil || newAssign["attribute"] is NSNull, "assign is replaced whole")
            #expect(jsonBody(try await app.get("/v1/routing-rules/\(id)", key: f.key)) == jsonBody(after))

            // Nothing refers to a rule: it always deletes.
            try await ConfigChecks.deletes(app, key: f.key, path: "/v1/routing-rules/\(id)")
            try await ConfigChecks.deletes(app, key: f.key, path: "/v1/routing-rules/\(minimalID)")
        }
    }

    @Test("conditions: field forms, ops and values, each error at conditions[i].field|op|value")
    func conditionRules() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let cases: [([String: Any], String)] = [
                (["field": "foo.bar", "op": "eq", "value": "x"], "conditions[0].field"),
                (["field": "country", "op": "eq", "value": "x"], "conditions[0].field"),
                (["field": "attributes.", "op": "eq", "value": "x"], "conditions[0].field"),
                (["field": "answers.   ", "op": "eq", "value": "x"], "conditions[0].field"),
                (["field": "Score", "op": "eq", "value": 1], "conditions[0].field"),
                (["field": "", "op": "eq", "value": 1], "conditions[0].field"),
                (["field": "attributes.\(String(repeating: "k", count: 201))", "op": "eq", "value": "x"], "conditions[0].field"),
                (["field": "attributes.country", "op": "in", "value": "DE"], "conditions[0].value"),
                (["field": "attributes.country", "op": "in", "value": []], "conditions[0].value"),
                (["field": "attributes.country", "op": "not_in", "value": 5], "conditions[0].value"),
                (["field": "attributes.country", "op": "in", "value": [["DE"]]], "conditions[0].value"),
                (["field": "attributes.country", "op": "in"], "conditions[0].value"),
                (["field": "attributes.size", "op": "gt", "value": "abc"], "conditions[0].value"),
                (["field": "attributes.size", "op": "gt", "value": "5"], "conditions[0].value"),
                (["field": "attributes.size", "op": "lte"], "conditions[0].value"),
                (["field": "attributes.size", "op": "gte", "value": true], "conditions[0].value"),
                (["field": "attributes.country", "op": "eq"], "conditions[0].value"),
                (["field": "attributes.country", "op": "eq", "value": NSNull()], "conditions[0].value"),
                (["field": "attributes.country", "op": "neq", "value": ["a": 1]], "conditions[0].value"),
                (["field": "attributes.tags", "op": "contains", "value": ["a"]], "conditions[0].value"),
                (["field": "attributes.email", "op": "exists", "value": "yes"], "conditions[0].value"),
                (["field": "score", "op": "exists"], "conditions[0].op"),
                (["field": "score", "op": "contains", "value": 5], "conditions[0].op"),
                (["field": "score", "op": "eq", "value": "high"], "conditions[0].value"),
                (["field": "score", "op": "in", "value": [1, "two"]], "conditions[0].value"),
            ]
            for (condition, field) in cases {
                let response = try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": [condition]], team: f.team))
                try expectValidation(response, fields: [field])
                #expect(try response.message(at: field)?.isEmpty == false)
            }
            let index = try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": [
                ["field": "score", "op": "gte", "value": 10], ["field": "attributes.x", "op": "eq", "value": 1], ["field": "nope", "op": "eq", "value": 1],
            ]], team: f.team))
            try expectValidation(index, fields: ["conditions[2].field"])
            let tooMany = (0..<51).map { ["field": "attributes.k\($0)", "op": "exists"] }
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": tooMany], team: f.team)),
                                 fields: ["conditions"])
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key).isEmpty)

            let fine: [[String: Any]] = [
                ["field": "attributes.country", "op": "eq", "value": "DE"],
                ["field": "attributes.country", "op": "neq", "value": "DE"],
                ["field": "attributes.employees", "op": "lt", "value": 500.5],
                ["field": "attributes.vip", "op": "eq", "value": true],
                ["field": "attributes.country", "op": "not_in", "value": ["US", 1, true]],
                ["field": "attributes.email", "op": "exists", "value": false],
                ["field": "attributes.email", "op": "exists", "value": NSNull()],
                ["field": "answers.Which tools? (pick all)", "op": "contains", "value": "Excel"],
                ["field": "score", "op": "not_in", "value": [1, 2.5]],
                ["field": "score", "op": "neq", "value": 0],
            ]
            for condition in fine {
                let response = try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": [condition]], team: f.team))
                #expect(response.status == .created, "\(condition): \(response.text)")
            }
            let fifty = (0..<50).map { ["field": "attributes.k\($0)", "op": "exists"] }
            #expect(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": fifty], team: f.team)).status == .created)
        }
    }

    @Test("an unknown op is a 422 at conditions[i].op")
    func unknownOp() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let response = try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["conditions": [
                ["field": "score", "op": "gte", "value": 1], ["field": "attributes.country", "op": "like", "value": "D%"],
            ]], team: f.team))
            try expectValidation(response, fields: ["conditions[1].op"])
        }
    }

    @Test("assign: each strategy needs its own fields and refuses the others'")
    func assignRules() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let cases: [([String: Any], [String])] = [
                (["strategy": "round_robin"], ["assign.team_id"]),
                (["strategy": "least_loaded"], ["assign.team_id"]),
                (["strategy": "territory", "team_id": f.team], ["assign.attribute"]),
                (["strategy": "territory"], ["assign.team_id", "assign.attribute"]),
                (["strategy": "territory", "team_id": f.team, "attribute": "attributes."], ["assign.attribute"]),
                (["strategy": "territory", "team_id": f.team, "attribute": "  "], ["assign.attribute"]),
                (["strategy": "owner"], ["assign.owner_id"]),
                (["strategy": "owner", "owner_id": f.owner, "team_id": f.team], ["assign.team_id"]),
                (["strategy": "round_robin", "team_id": f.team, "owner_id": f.owner], ["assign.owner_id"]),
                (["strategy": "least_loaded", "team_id": f.team, "attribute": "country"], ["assign.attribute"]),
                (["strategy": "owner", "owner_id": f.owner, "attribute": "country"], ["assign.attribute"]),
            ]
            for (assign, fields) in cases {
                let response = try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": assign], team: f.team))
                try expectValidation(response, fields: fields)
            }
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": ["strategy": "random", "team_id": f.team]], team: f.team)),
                                 fields: ["assign.strategy"])
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": ["team_id": f.team]], team: f.team)),
                                 fields: ["assign.strategy"])
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": NSNull()], team: f.team)),
                                 fields: ["assign"])
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: jsonBody(["name": "x", "position": 1])),
                                 fields: ["assign"])
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key).isEmpty)
        }
    }

    @Test("position is 0 to 1,000,000; name is required")
    func positionAndName() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            for position in [-1, 1_000_001] {
                try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["position": position], team: f.team)),
                                     fields: ["position"])
            }
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: jsonBody([
                "name": "x", "assign": ["strategy": "round_robin", "team_id": f.team],
            ])), fields: ["position"])
            try expectValidation(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["name": " "], team: f.team)), fields: ["name"])
            for position in [0, 1_000_000] {
                #expect(try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["position": position], team: f.team)).status == .created)
            }
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let response = try await app.request(.post, "/v1/routing-rules", key: f.key, json: jsonBody([
                "name": "", "position": -1,
                "conditions": [
                    ["field": "foo", "op": "eq", "value": 1],
                    ["field": "attributes.country", "op": "in", "value": "DE"],
                    ["field": "score", "op": "gt", "value": "abc"],
                ],
                "assign": ["strategy": "round_robin"],
            ]))
            try expectValidation(response, fields: ["name", "position", "conditions[0].field", "conditions[1].value", "conditions[2].value", "assign.team_id"])
            let references = try await app.request(.post, "/v1/routing-rules", key: f.key, json: jsonBody([
                "name": "x", "position": 1, "funnel_id": unknownID(), "sla_policy_id": unknownID(),
                "assign": ["strategy": "round_robin", "team_id": unknownID()],
            ]))
            try expectValidation(references, fields: ["funnel_id", "sla_policy_id", "assign.team_id"])
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key).isEmpty)
        }
    }

    @Test("PATCH: null on required fields is 422, null clears optional ones, the result is validated whole")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let id = try await app.createRule(key: f.key, teamID: f.team, extra: [
                "funnel_id": f.funnel, "sla_policy_id": f.policy, "conditions": [["field": "score", "op": "gt", "value": 1]],
            ])
            let before = try await app.get("/v1/routing-rules/\(id)", key: f.key)
            try expectValidation(try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["name": NSNull()]), fields: ["name"])
            try expectValidation(try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["position": NSNull()]), fields: ["position"])
            try expectValidation(try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["assign": NSNull()]), fields: ["assign"])
            try expectValidation(try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["assign": ["strategy": "owner"]]), fields: ["assign.owner_id"])
            try expectValidation(try await app.patch("/v1/routing-rules/\(id)", key: f.key, [
                "position": 2_000_000, "conditions": [["field": "score", "op": "in", "value": 3]],
            ]), fields: ["position", "conditions[0].value"])
            #expect(jsonBody(try await app.get("/v1/routing-rules/\(id)", key: f.key)) == jsonBody(before), "refused patches change nothing")

            let cleared = try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["conditions": NSNull(), "sla_policy_id": NSNull()])
            #expect(cleared.status == .ok, "\(cleared.text)")
            #expect((try cleared.json()["conditions"] as? [Any])?.isEmpty == true)
            #expect(try cleared.json()["sla_policy_id"] is NSNull)
            #expect(try cleared.json()["funnel_id"] as? String == f.funnel, "absent fields stay")
            let global = try await app.patch("/v1/routing-rules/\(id)", key: f.key, ["funnel_id": NSNull()])
            #expect(global.status == .ok, "\(global.text)")
            #expect(try global.json()["funnel_id"] is NSNull)
            let stored = try await app.get("/v1/routing-rules/\(id)", key: f.key)
            #expect(stored["funnel_id"] is NSNull && stored["sla_policy_id"] is NSNull, "the clears are stored")
            // Nothing refers to the policy or funnel any more.
            try await ConfigChecks.deletes(app, key: f.key, path: "/v1/funnels/\(f.funnel)")
        }
    }

    @Test("another tenant's funnel, team, owner or policy is a 422 at the right path, worded like an unknown id")
    func foreignReferences() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app, name: "A")
            let g = try await Self.fixture(app, name: "B")
            try await ConfigChecks.foreignReference(field: "funnel_id", foreignID: g.funnel) { id in
                try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["funnel_id": id], team: f.team))
            }
            try await ConfigChecks.foreignReference(field: "assign.team_id", foreignID: g.team) { id in
                try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": ["strategy": "round_robin", "team_id": id]], team: f.team))
            }
            try await ConfigChecks.foreignReference(field: "assign.owner_id", foreignID: g.owner) { id in
                try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["assign": ["strategy": "owner", "owner_id": id]], team: f.team))
            }
            try await ConfigChecks.foreignReference(field: "sla_policy_id", foreignID: g.policy) { id in
                try await app.request(.post, "/v1/routing-rules", key: f.key, json: Self.rule(["sla_policy_id": id], team: f.team))
            }
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key).isEmpty)

            let rule = try await app.createRule(key: f.key, teamID: f.team)
            let before = try await app.get("/v1/routing-rules/\(rule)", key: f.key)
            try await ConfigChecks.foreignReference(field: "funnel_id", foreignID: g.funnel) { id in
                try await app.patch("/v1/routing-rules/\(rule)", key: f.key, ["funnel_id": id])
            }
            try await ConfigChecks.foreignReference(field: "assign.team_id", foreignID: g.team) { id in
                try await app.patch("/v1/routing-rules/\(rule)", key: f.key, ["assign": ["strategy": "territory", "team_id": id, "attribute": "country"]])
            }
            try await ConfigChecks.foreignReference(field: "assign.owner_id", foreignID: g.owner) { id in
                try await app.patch("/v1/routing-rules/\(rule)", key: f.key, ["assign": ["strategy": "owner", "owner_id": id]])
            }
            try await ConfigChecks.foreignReference(field: "sla_policy_id", foreignID: g.policy) { id in
                try await app.patch("/v1/routing-rules/\(rule)", key: f.key, ["sla_policy_id": id])
            }
            #expect(jsonBody(try await app.get("/v1/routing-rules/\(rule)", key: f.key)) == jsonBody(before))
            // B's team and funnel carry no hidden reference from A.
            try await ConfigChecks.deletes(app, key: g.key, path: "/v1/funnels/\(g.funnel)")
        }
    }

    @Test("the funnel_id filter, in any case, alone and across pages")
    func funnelFilter() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let second = try await app.createFunnel(key: f.key, name: "Second", policyID: f.policy)
            let a1 = try await app.createRule(key: f.key, name: "a1", teamID: f.team, extra: ["funnel_id": f.funnel])
            let global = try await app.createRule(key: f.key, name: "global", teamID: f.team)
            let b1 = try await app.createRule(key: f.key, name: "b1", teamID: f.team, extra: ["funnel_id": second])
            let a2 = try await app.createRule(key: f.key, name: "a2", teamID: f.team, extra: ["funnel_id": f.funnel])
            let a3 = try await app.createRule(key: f.key, name: "a3", teamID: f.team, extra: ["funnel_id": f.funnel])

            #expect(try await app.listIDs("/v1/routing-rules?funnel_id=\(f.funnel)", key: f.key) == [a1, a2, a3])
            #expect(try await app.listIDs("/v1/routing-rules?funnel_id=\(f.funnel.uppercased())", key: f.key) == [a1, a2, a3])
            #expect(try await app.listIDs("/v1/routing-rules?funnel_id=\(second)", key: f.key) == [b1])
            #expect(try await app.listIDs("/v1/routing-rules?funnel_id=\(unknownID())", key: f.key) == [])
            #expect(try await app.listIDs("/v1/routing-rules", key: f.key) == [a1, global, b1, a2, a3])
            let (paged, pages) = try await app.listAll("/v1/routing-rules?funnel_id=\(f.funnel)", key: f.key, limit: 2)
            #expect(paged.compactMap { $0["id"] as? String } == [a1, a2, a3])
            #expect(pages == 2)
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's rule are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app, name: "A")
            let (_, other) = try await app.createTenant("B")
            let rule = try await app.createRule(key: f.key, teamID: f.team)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: f.key, other: other, collection: "/v1/routing-rules", id: rule, patchBody: #"{"position":99}"#)
        }
    }

    @Test("pagination walks every rule once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            try await ConfigChecks.pagination(app, key: f.key, collection: "/v1/routing-rules") { index in
                // Positions descend: lists are in creation order, not evaluation order.
                try await app.createRule(key: f.key, name: "Rule \(index)", teamID: f.team, position: 100 - index)
            }
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            try await ConfigChecks.idempotency(
                app, key: f.key, collection: "/v1/routing-rules",
                body: Self.rule([:], team: f.team), otherBody: Self.rule(["position": 11], team: f.team)
            )
        }
    }

    @Test("scopes: read may GET only; ingest may not touch rules")
    func scopes() async throws {
        try await TestApp.run { app in
            let f = try await Self.fixture(app)
            let rule = try await app.createRule(key: f.key, teamID: f.team)
            try await ConfigChecks.scopes(app, admin: f.key, collection: "/v1/routing-rules", id: rule,
                                          createBody: Self.rule([:], team: f.team), patchBody: #"{"position":1}"#)
        }
    }
}
