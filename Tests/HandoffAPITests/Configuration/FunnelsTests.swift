@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: funnels")
struct FunnelsTests {
    static let keys = ["id", "name", "qualify_min_score", "sla_policy_id", "fallback_owner_id", "active", "created_at", "updated_at"]

    @Test("create, get, list, patch and delete")
    func crud() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            let response = try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(["name": " Demo ", "qualify_min_score": 80, "sla_policy_id": policy.uppercased()]))
            #expect(response.status == .created, "\(response.text)")
            let minimal = try response.json()
            expectRecord(minimal, keys: Self.keys)
            let id = try #require(minimal["id"] as? String)
            #expect(minimal["name"] as? String == "Demo")
            #expect(minimal["qualify_min_score"] as? Double == 80)
            #expect(minimal["sla_policy_id"] as? String == policy)
            #expect(minimal["fallback_owner_id"] is NSNull)
            #expect(response.text.contains(#""fallback_owner_id":null"#))
            #expect(minimal["active"] as? Bool == true)

            let ana = try await app.createOwner(key: key)
            let full = try await app.create("/v1/funnels", key: key, json: jsonBody([
                "name": "Pricing", "qualify_min_score": 42.5, "sla_policy_id": policy, "fallback_owner_id": ana, "active": false,
            ]))
            expectRecord(full, keys: Self.keys)
            let fullID = try #require(full["id"] as? String)
            #expect(full["qualify_min_score"] as? Double == 42.5)
            #expect(full["fallback_owner_id"] as? String == ana)
            #expect(full["active"] as? Bool == false)

            #expect(jsonBody(try await app.get("/v1/funnels/\(id)", key: key)) == jsonBody(minimal))
            #expect(jsonBody(try await app.get("/v1/funnels/\(fullID)", key: key)) == jsonBody(full))
            #expect(try await app.listIDs("/v1/funnels", key: key) == [id, fullID])

            let other = try await app.createPolicy(key: key, name: "Slow")
            let patched = try await app.patch("/v1/funnels/\(id)", key: key, ["qualify_min_score": -5, "sla_policy_id": other, "active": false])
            #expect(patched.status == .ok, "\(patched.text)")
            let after = try patched.json()
            expectRecord(after, keys: Self.keys)
            #expect(after["qualify_min_score"] as? Double == -5)
            #expect(after["sla_policy_id"] as? String == other)
            #expect(after["active"] as? Bool == false)
            #expect(after["name"] as? String == "Demo", "absent fields stay")
            #expect(after["created_at"] as? String == minimal["created_at"] as? String)
            #expect(jsonBody(try await app.get("/v1/funnels/\(id)", key: key)) == jsonBody(after))

            try await ConfigChecks.deletes(app, key: key, path: "/v1/funnels/\(id)")
            #expect(try await app.listIDs("/v1/funnels", key: key) == [fullID])
        }
    }

    @Test("each rule on its own")
    func eachRule() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            let cases: [([String: Any], String)] = [
                (["name": ""], "name"),
                (["name": String(repeating: "f", count: 201)], "name"),
                (["qualify_min_score": 1_000_001], "qualify_min_score"),
                (["qualify_min_score": -1_000_001], "qualify_min_score"),
                (["qualify_min_score": "high"], "qualify_min_score"),
                (["sla_policy_id": NSNull()], "sla_policy_id"),
                (["sla_policy_id": "policy-1"], "sla_policy_id"),
                (["sla_policy_id": unknownID()], "sla_policy_id"),
                (["fallback_owner_id": unknownID()], "fallback_owner_id"),
            ]
            for (change, field) in cases {
                var body: [String: Any] = ["name": "Demo", "qualify_min_score": 80, "sla_policy_id": policy]
                body.merge(change) { _, new in new }
                let response = try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(body))
                try expectValidation(response, fields: [field])
            }
            var missing: [String: Any] = ["name": "Demo", "qualify_min_score": 80]
            try expectValidation(try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(missing)), fields: ["sla_policy_id"])
            missing = ["name": "Demo", "sla_policy_id": policy]
            try expectValidation(try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(missing)), fields: ["qualify_min_score"])
            #expect(try await app.listIDs("/v1/funnels", key: key).isEmpty)

            for score in [1_000_000, -1_000_000, 0, 0.5] {
                let response = try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(["name": "Demo", "qualify_min_score": score, "sla_policy_id": policy]))
                #expect(response.status == .created, "\(score): \(response.text)")
            }
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            let response = try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(["name": "  ", "qualify_min_score": 2e6, "sla_policy_id": policy]))
            try expectValidation(response, fields: ["name", "qualify_min_score"])
            let references = try await app.request(.post, "/v1/funnels", key: key, json: jsonBody([
                "name": "Demo", "qualify_min_score": 1, "sla_policy_id": unknownID(), "fallback_owner_id": unknownID(),
            ]))
            try expectValidation(references, fields: ["sla_policy_id", "fallback_owner_id"])
            #expect(try await app.listIDs("/v1/funnels", key: key).isEmpty)
        }
    }

    @Test("PATCH merge: absent keeps, null clears the fallback owner, null on required fields is 422")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            let ana = try await app.createOwner(key: key)
            let id = try await app.createFunnel(key: key, policyID: policy, extra: ["fallback_owner_id": ana, "active": false])
            let before = try await app.get("/v1/funnels/\(id)", key: key)

            try expectValidation(try await app.patch("/v1/funnels/\(id)", key: key, ["sla_policy_id": NSNull()]), fields: ["sla_policy_id"])
            try expectValidation(try await app.patch("/v1/funnels/\(id)", key: key, ["name": NSNull()]), fields: ["name"])
            try expectValidation(try await app.patch("/v1/funnels/\(id)", key: key, ["qualify_min_score": NSNull()]), fields: ["qualify_min_score"])
            try expectValidation(try await app.patch("/v1/funnels/\(id)", key: key, ["name": "", "qualify_min_score": 1e7]), fields: ["name", "qualify_min_score"])
            #expect(jsonBody(try await app.get("/v1/funnels/\(id)", key: key)) == jsonBody(before), "refused patches change nothing")

            let renamed = try await app.patch("/v1/funnels/\(id)", key: key, ["name": "Renamed"])
            #expect(try renamed.json()["fallback_owner_id"] as? String == ana)
            #expect(try renamed.json()["active"] as? Bool == false)

            let cleared = try await app.patch("/v1/funnels/\(id)", key: key, ["fallback_owner_id": NSNull()])
            #expect(cleared.status == .ok, "\(cleared.text)")
            #expect(try cleared.json()["fallback_owner_id"] is NSNull)
            #expect(try cleared.json()["sla_policy_id"] as? String == policy)
            #expect(try await app.get("/v1/funnels/\(id)", key: key)["fallback_owner_id"] is NSNull)
        }
    }

    @Test("another tenant's policy or owner is a 422 at the field, worded like an unknown id")
    func foreignReferences() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let policy = try await app.createPolicy(key: key)
            let foreignPolicy = try await app.createPolicy(key: other, name: "Theirs")
            let foreignOwner = try await app.createOwner(key: other, name: "Mallory")

            try await ConfigChecks.foreignReference(field: "sla_policy_id", foreignID: foreignPolicy) { id in
                try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(["name": "Demo", "qualify_min_score": 1, "sla_policy_id": id]))
            }
            try await ConfigChecks.foreignReference(field: "fallback_owner_id", foreignID: foreignOwner) { id in
                try await app.request(.post, "/v1/funnels", key: key, json: jsonBody(["name": "Demo", "qualify_min_score": 1, "sla_policy_id": policy, "fallback_owner_id": id]))
            }
            #expect(try await app.listIDs("/v1/funnels", key: key).isEmpty)

            let funnel = try await app.createFunnel(key: key, policyID: policy)
            try await ConfigChecks.foreignReference(field: "sla_policy_id", foreignID: foreignPolicy) { id in
                try await app.patch("/v1/funnels/\(funnel)", key: key, ["sla_policy_id": id])
            }
            try await ConfigChecks.foreignReference(field: "fallback_owner_id", foreignID: foreignOwner) { id in
                try await app.patch("/v1/funnels/\(funnel)", key: key, ["fallback_owner_id": id])
            }
            let stored = try await app.get("/v1/funnels/\(funnel)", key: key)
            #expect(stored["sla_policy_id"] as? String == policy)
            #expect(stored["fallback_owner_id"] is NSNull)
            // B's policy and owner are not held by A's funnel.
            try await ConfigChecks.deletes(app, key: other, path: "/v1/sla-policies/\(foreignPolicy)")
            try await ConfigChecks.deletes(app, key: other, path: "/v1/owners/\(foreignOwner)")
        }
    }

    @Test("a funnel used by a routing rule cannot be deleted")
    func deleteReferenced() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let (_, funnel) = try await app.createFunnelChain(key: key)
            let team = try await app.createTeam(key: key)
            let rule = try await app.createRule(key: key, name: "DACH", teamID: team, extra: ["funnel_id": funnel])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/funnels/\(funnel)", naming: "DACH")
            #expect(try await app.get("/v1/routing-rules/\(rule)", key: key)["funnel_id"] as? String == funnel)

            // Detached by pointing elsewhere (clearing with null is covered by the routing-rule tests).
            let policy = try await app.createPolicy(key: key, name: "Other")
            let second = try await app.createFunnel(key: key, name: "Second", policyID: policy)
            #expect(try await app.patch("/v1/routing-rules/\(rule)", key: key, ["funnel_id": second]).status == .ok)
            try await ConfigChecks.deletes(app, key: key, path: "/v1/funnels/\(funnel)")
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/funnels/\(second)", naming: "DACH")
        }
    }

    @Test("the active filter, alone and across pages")
    func activeFilter() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            let a = try await app.createFunnel(key: key, name: "A", policyID: policy)
            let b = try await app.createFunnel(key: key, name: "B", policyID: policy, extra: ["active": false])
            let c = try await app.createFunnel(key: key, name: "C", policyID: policy)
            let d = try await app.createFunnel(key: key, name: "D", policyID: policy)
            #expect(try await app.listIDs("/v1/funnels?active=true", key: key) == [a, c, d])
            #expect(try await app.listIDs("/v1/funnels?active=false", key: key) == [b])
            #expect(try await app.listIDs("/v1/funnels", key: key) == [a, b, c, d])
            let (paged, pages) = try await app.listAll("/v1/funnels?active=true", key: key, limit: 2)
            #expect(paged.compactMap { $0["id"] as? String } == [a, c, d])
            #expect(pages == 2)
            #expect(try await app.patch("/v1/funnels/\(b)", key: key, ["active": true]).status == .ok)
            #expect(try await app.listIDs("/v1/funnels?active=false", key: key) == [])
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's funnel are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let (_, funnel) = try await app.createFunnelChain(key: key)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/funnels", id: funnel, patchBody: #"{"active":false}"#)
        }
    }

    @Test("pagination walks every funnel once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/funnels", count: 6) { index in
                try await app.createFunnel(key: key, name: "Funnel \(index)", policyID: policy)
            }
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let policy = try await app.createPolicy(key: key)
            try await ConfigChecks.idempotency(
                app, key: key, collection: "/v1/funnels",
                body: jsonBody(["name": "Demo", "qualify_min_score": 80, "sla_policy_id": policy]),
                otherBody: jsonBody(["name": "Demo", "qualify_min_score": 81, "sla_policy_id": policy])
            )
        }
    }

    @Test("scopes: read may GET only; ingest may not touch funnels")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let (policy, funnel) = try await app.createFunnelChain(key: key)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/funnels", id: funnel,
                                          createBody: jsonBody(["name": "x", "qualify_min_score": 1, "sla_policy_id": policy]), patchBody: #"{"active":false}"#)
        }
    }
}
