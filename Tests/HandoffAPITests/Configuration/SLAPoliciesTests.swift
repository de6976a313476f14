@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: SLA policies")
struct SLAPoliciesTests {
    static let keys = ["id", "name", "target_seconds", "calendar_id", "warn_before_seconds", "escalations", "restart_on_reassign", "created_at", "updated_at"]

    @Test("create, get, list, patch and delete; escalations kept in the order given")
    func crud() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let minimalResponse = try await app.request(.post, "/v1/sla-policies", key: key, json: #"{"name":"Plain","target_seconds":300}"#)
            #expect(minimalResponse.status == .created, "\(minimalResponse.text)")
            let minimal = try minimalResponse.json()
            expectRecord(minimal, keys: Self.keys)
            #expect(minimal["calendar_id"] is NSNull)
            #expect(minimal["warn_before_seconds"] is NSNull)
            #expect(minimalResponse.text.contains(#""calendar_id":null"#) && minimalResponse.text.contains(#""warn_before_seconds":null"#))
            #expect(minimal["escalations"] as? [Any] != nil && (minimal["escalations"] as? [Any])?.isEmpty == true)
            #expect(minimal["restart_on_reassign"] as? Bool == false)

            let calendar = try await app.createCalendar(key: key)
            let ana = try await app.createOwner(key: key)
            let team = try await app.createTeam(key: key, members: [ana])
            let created = try await app.create("/v1/sla-policies", key: key, json: jsonBody([
                "name": " 5 min ", "target_seconds": 300, "calendar_id": calendar.uppercased(), "warn_before_seconds": 60,
                "escalations": [
                    ["after_seconds": 600, "action": "reassign", "team_id": team],
                    ["after_seconds": 0, "action": "notify", "owner_id": ana],
                ],
                "restart_on_reassign": true,
            ]))
            expectRecord(created, keys: Self.keys)
            let id = try #require(created["id"] as? String)
            #expect(created["name"] as? String == "5 min")
            #expect(created["target_seconds"] as? Int == 300)
            #expect(created["calendar_id"] as? String == calendar)
            #expect(created["warn_before_seconds"] as? Int == 60)
            #expect(created["restart_on_reassign"] as? Bool == true)
            let steps = try #require(created["escalations"] as? [[String: Any]])
            #expect(steps.count == 2)
            // Kept in the client's order: step numbers in lead.escalated follow it.
            #expect(steps.first?["after_seconds"] as? Int == 600)
            #expect(steps.first?["action"] as? String == "reassign")
            #expect(steps.first?["team_id"] as? String == team)
            #expect(steps.last?["after_seconds"] as? Int == 0)
            #expect(steps.last?["action"] as? String == "notify")
            #expect(steps.last?["owner_id"] as? String == ana)

            #expect(jsonBody(try await app.get("/v1/sla-policies/\(id)", key: key)) == jsonBody(created))
            #expect(try await app.listIDs("/v1/sla-policies", key: key) == [try #require(minimal["id"] as? String), id])

            let patched = try await app.patch("/v1/sla-policies/\(id)", key: key, ["target_seconds": 900])
            #expect(patched.status == .ok, "\(patched.text)")
            let after = try patched.json()
            #expect(after["target_seconds"] as? Int == 900)
            #expect(after["warn_before_seconds"] as? Int == 60)
            #expect(after["calendar_id"] as? String == calendar)
            #expect(canonicalJSON(after["escalations"] ?? []) == canonicalJSON(created["escalations"] ?? []), "absent escalations stay")
            #expect(after["restart_on_reassign"] as? Bool == true)
            #expect(after["created_at"] as? String == created["created_at"] as? String)

            try await ConfigChecks.deletes(app, key: key, path: "/v1/sla-policies/\(id)")
        }
    }

    @Test("each rule on its own")
    func eachRule() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key)
            let team = try await app.createTeam(key: key, members: [ana])
            let cases: [([String: Any], String)] = [
                (["name": ""], "name"),
                (["target_seconds": 0], "target_seconds"),
                (["target_seconds": -60], "target_seconds"),
                (["target_seconds": 2_592_001], "target_seconds"),
                (["warn_before_seconds": 0], "warn_before_seconds"),
                (["warn_before_seconds": -1], "warn_before_seconds"),
                (["warn_before_seconds": 300], "warn_before_seconds"),
                (["warn_before_seconds": 301], "warn_before_seconds"),
                (["escalations": [["after_seconds": 60, "action": "reassign"]]], "escalations[0].team_id"),
                (["escalations": [["after_seconds": 60, "action": "reassign", "team_id": team, "owner_id": ana]]], "escalations[0].team_id"),
                (["escalations": [["after_seconds": 0, "action": "notify"], ["after_seconds": -1, "action": "notify"]]], "escalations[1].after_seconds"),
                (["escalations": [["after_seconds": 2_592_001, "action": "notify"]]], "escalations[0].after_seconds"),
                (["escalations": (0..<11).map { ["after_seconds": $0 * 60, "action": "notify"] }], "escalations"),
            ]
            for (change, field) in cases {
                var body: [String: Any] = ["name": "5 min", "target_seconds": 300]
                body.merge(change) { _, new in new }
                let response = try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody(body))
                try expectValidation(response, fields: [field])
                #expect(try response.message(at: field)?.isEmpty == false)
            }
            #expect(try await app.listIDs("/v1/sla-policies", key: key).isEmpty)

            let fine: [[String: Any]] = [
                ["target_seconds": 1], ["target_seconds": 2_592_000], ["warn_before_seconds": 299],
                ["escalations": [["after_seconds": 0, "action": "notify"]]],
                ["escalations": [["after_seconds": 60, "action": "reassign", "owner_id": ana]]],
                ["escalations": [["after_seconds": 60, "action": "notify", "team_id": team, "owner_id": ana]]],
                ["escalations": (0..<10).map { ["after_seconds": $0 * 60, "action": "notify"] }],
            ]
            for change in fine {
                var body: [String: Any] = ["name": "5 min", "target_seconds": 300]
                body.merge(change) { _, new in new }
                let response = try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody(body))
                #expect(response.status == .created, "\(change): \(response.text)")
            }
        }
    }

    @Test("an unknown escalation action is a 422 at escalations[i].action")
    func unknownAction() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody([
                "name": "x", "target_seconds": 300, "escalations": [["after_seconds": 0, "action": "notify"], ["after_seconds": 60, "action": "page"]],
            ]))
            try expectValidation(response, fields: ["escalations[1].action"])
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody([
                "name": " ", "target_seconds": 0, "warn_before_seconds": 0,
                "escalations": [["after_seconds": 600, "action": "reassign"], ["after_seconds": -1, "action": "notify"]],
            ]))
            try expectValidation(response, fields: ["name", "target_seconds", "warn_before_seconds", "escalations[0].team_id", "escalations[1].after_seconds"])
            #expect(try await app.listIDs("/v1/sla-policies", key: key).isEmpty)
        }
    }

    @Test("PATCH validates the merged policy whole: a target below the stored warning is refused")
    func patchValidatesWhole() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createPolicy(key: key, extra: ["warn_before_seconds": 120])
            let before = try await app.get("/v1/sla-policies/\(id)", key: key)
            try expectValidation(try await app.patch("/v1/sla-policies/\(id)", key: key, ["target_seconds": 60]), fields: ["warn_before_seconds"])
            try expectValidation(try await app.patch("/v1/sla-policies/\(id)", key: key, ["warn_before_seconds": 300]), fields: ["warn_before_seconds"])
            try expectValidation(try await app.patch("/v1/sla-policies/\(id)", key: key, ["target_seconds": NSNull()]), fields: ["target_seconds"])
            try expectValidation(try await app.patch("/v1/sla-policies/\(id)", key: key, ["name": NSNull(), "target_seconds": 0]), fields: ["name", "target_seconds", "warn_before_seconds"])
            #expect(jsonBody(try await app.get("/v1/sla-policies/\(id)", key: key)) == jsonBody(before), "refused patches change nothing")

            // Lowering both together is fine; clearing the warning too.
            let both = try await app.patch("/v1/sla-policies/\(id)", key: key, ["target_seconds": 60, "warn_before_seconds": 30])
            #expect(both.status == .ok, "\(both.text)")
            let cleared = try await app.patch("/v1/sla-policies/\(id)", key: key, ["target_seconds": 20, "warn_before_seconds": NSNull()])
            #expect(cleared.status == .ok, "\(cleared.text)")
            #expect(try cleared.json()["warn_before_seconds"] is NSNull)
            #expect(try cleared.json()["target_seconds"] as? Int == 20)
        }
    }

    @Test("PATCH merge: absent keeps, null clears calendar_id, escalations are replaced whole")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let calendar = try await app.createCalendar(key: key)
            let ana = try await app.createOwner(key: key)
            let id = try await app.createPolicy(key: key, extra: [
                "calendar_id": calendar, "warn_before_seconds": 30, "restart_on_reassign": true,
                "escalations": [["after_seconds": 0, "action": "notify"], ["after_seconds": 60, "action": "reassign", "owner_id": ana]],
            ])
            let renamed = try await app.patch("/v1/sla-policies/\(id)", key: key, ["name": "Renamed"])
            #expect((try renamed.json()["escalations"] as? [Any])?.count == 2)
            #expect(try renamed.json()["restart_on_reassign"] as? Bool == true)

            let replaced = try await app.patch("/v1/sla-policies/\(id)", key: key, ["escalations": [["after_seconds": 120, "action": "notify"]], "calendar_id": NSNull()])
            #expect(replaced.status == .ok, "\(replaced.text)")
            let policy = try replaced.json()
            #expect(policy["calendar_id"] is NSNull)
            #expect(policy["warn_before_seconds"] as? Int == 30)
            let steps = policy["escalations"] as? [[String: Any]] ?? []
            #expect(steps.count == 1 && steps.first?["after_seconds"] as? Int == 120)

            let none = try await app.patch("/v1/sla-policies/\(id)", key: key, ["escalations": NSNull()])
            #expect(none.status == .ok, "\(none.text)")
            #expect((try none.json()["escalations"] as? [Any])?.isEmpty == true)
            // Nothing refers to the owner any more.
            try await ConfigChecks.deletes(app, key: key, path: "/v1/owners/\(ana)")
        }
    }

    @Test("another tenant's calendar, team or owner is a 422 at the right path, worded like an unknown id")
    func foreignReferences() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let foreignCalendar = try await app.createCalendar(key: other)
            let foreignOwner = try await app.createOwner(key: other, name: "Mallory")
            let foreignTeam = try await app.createTeam(key: other, name: "Theirs", members: [foreignOwner])
            let ana = try await app.createOwner(key: key)

            try await ConfigChecks.foreignReference(field: "calendar_id", foreignID: foreignCalendar) { id in
                try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody(["name": "x", "target_seconds": 300, "calendar_id": id]))
            }
            try await ConfigChecks.foreignReference(field: "escalations[0].team_id", foreignID: foreignTeam) { id in
                try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody([
                    "name": "x", "target_seconds": 300,
                    "escalations": [["after_seconds": 60, "action": "reassign", "team_id": id], ["after_seconds": 120, "action": "notify", "owner_id": ana]],
                ]))
            }
            try await ConfigChecks.foreignReference(field: "escalations[1].owner_id", foreignID: foreignOwner) { id in
                try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody([
                    "name": "x", "target_seconds": 300,
                    "escalations": [["after_seconds": 60, "action": "notify"], ["after_seconds": 120, "action": "reassign", "owner_id": id]],
                ]))
            }
            #expect(try await app.listIDs("/v1/sla-policies", key: key).isEmpty)

            let policy = try await app.createPolicy(key: key)
            try await ConfigChecks.foreignReference(field: "calendar_id", foreignID: foreignCalendar) { id in
                try await app.patch("/v1/sla-policies/\(policy)", key: key, ["calendar_id": id])
            }
            try await ConfigChecks.foreignReference(field: "escalations[0].owner_id", foreignID: foreignOwner) { id in
                try await app.patch("/v1/sla-policies/\(policy)", key: key, ["escalations": [["after_seconds": 0, "action": "notify", "owner_id": id]]])
            }
            let stored = try await app.get("/v1/sla-policies/\(policy)", key: key)
            #expect(stored["calendar_id"] is NSNull)
            #expect((stored["escalations"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a bad reference in an escalation is reported at the index the client sent, not the sorted one")
    func referencePathFollowsTheRequest() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/sla-policies", key: key, json: jsonBody([
                "name": "x", "target_seconds": 300,
                "escalations": [["after_seconds": 900, "action": "reassign", "team_id": unknownID()], ["after_seconds": 0, "action": "notify"]],
            ]))
            try expectValidation(response, fields: ["escalations[0].team_id"])
        }
    }

    @Test("a policy used by a funnel or a routing rule cannot be deleted")
    func deleteReferenced() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key, name: "Fast")
            let other = try await app.createPolicy(key: key, name: "Slow")
            let funnel = try await app.createFunnel(key: key, name: "Demo request", policyID: policy)
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/sla-policies/\(policy)", naming: "Demo request")

            #expect(try await app.patch("/v1/funnels/\(funnel)", key: key, ["sla_policy_id": other]).status == .ok)
            let team = try await app.createTeam(key: key)
            let rule = try await app.createRule(key: key, name: "VIP override", teamID: team, extra: ["sla_policy_id": policy])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/sla-policies/\(policy)", naming: "VIP override")

            // Detached by pointing elsewhere (clearing with null is covered by the routing-rule tests).
            #expect(try await app.patch("/v1/routing-rules/\(rule)", key: key, ["sla_policy_id": other]).status == .ok)
            try await ConfigChecks.deletes(app, key: key, path: "/v1/sla-policies/\(policy)")
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/sla-policies/\(other)", naming: "Demo request")
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's policy are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let id = try await app.createPolicy(key: key)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/sla-policies", id: id, patchBody: #"{"target_seconds":1}"#)
        }
    }

    @Test("pagination walks every policy once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/sla-policies") { index in
                try await app.createPolicy(key: key, name: "Policy \(index)")
            }
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.idempotency(
                app, key: key, collection: "/v1/sla-policies",
                body: #"{"name":"5 min","target_seconds":300}"#, otherBody: #"{"name":"5 min","target_seconds":301}"#
            )
        }
    }

    @Test("scopes: read may GET only; ingest may not touch policies")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createPolicy(key: key)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/sla-policies", id: id,
                                          createBody: #"{"name":"x","target_seconds":60}"#, patchBody: #"{"target_seconds":61}"#)
        }
    }
}
