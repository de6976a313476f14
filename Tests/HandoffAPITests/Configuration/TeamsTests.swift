@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: teams")
struct TeamsTests {
    static let keys = ["id", "name", "member_ids", "weights", "created_at", "updated_at"]

    @Test("create, get, list, patch and delete; members in rotation order, weights by lowercase id")
    func crud() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let ben = try await app.createOwner(key: key, name: "Ben")
            let cem = try await app.createOwner(key: key, name: "Cem")

            let minimal = try await app.create("/v1/teams", key: key, json: #"{"name":"Empty"}"#)
            expectRecord(minimal, keys: Self.keys)
            #expect(minimal["member_ids"] as? [String] == [])
            #expect((minimal["weights"] as? [String: Any])?.isEmpty == true)

            let created = try await app.create("/v1/teams", key: key, json: jsonBody([
                "name": " SDR ", "member_ids": [ben, ana.uppercased(), cem], "weights": [ana.uppercased(): 3, cem: 2],
            ]))
            expectRecord(created, keys: Self.keys)
            let id = try #require(created["id"] as? String)
            #expect(created["name"] as? String == "SDR")
            #expect(created["member_ids"] as? [String] == [ben, ana, cem], "order kept, ids lowercase")
            #expect(created["weights"] as? [String: Int] == [ana: 3, cem: 2])

            #expect(jsonBody(try await app.get("/v1/teams/\(id)", key: key)) == jsonBody(created))
            #expect(try await app.listIDs("/v1/teams", key: key) == [try #require(minimal["id"] as? String), id])

            let renamed = try await app.patch("/v1/teams/\(id)", key: key, ["name": "Inbound"])
            #expect(renamed.status == .ok, "\(renamed.text)")
            let afterRename = try renamed.json()
            #expect(afterRename["name"] as? String == "Inbound")
            #expect(afterRename["member_ids"] as? [String] == [ben, ana, cem], "absent members stay")
            #expect(afterRename["weights"] as? [String: Int] == [ana: 3, cem: 2], "absent weights stay")
            #expect(afterRename["created_at"] as? String == created["created_at"] as? String)

            let reordered = try await app.patch("/v1/teams/\(id)", key: key, ["member_ids": [ana, ben]])
            #expect(reordered.status == .ok, "\(reordered.text)")
            #expect(try reordered.json()["member_ids"] as? [String] == [ana, ben])
            #expect(try reordered.json()["weights"] as? [String: Int] == [ana: 3], "a leaving member's weight goes with them")

            let reweighted = try await app.patch("/v1/teams/\(id)", key: key, ["weights": [ben: 5]])
            #expect(try reweighted.json()["weights"] as? [String: Int] == [ben: 5], "weights are replaced whole")
            #expect(jsonBody(try await app.get("/v1/teams/\(id)", key: key)) == jsonBody(try reweighted.json()))

            try await ConfigChecks.deletes(app, key: key, path: "/v1/teams/\(id)")
            #expect(try await app.listIDs("/v1/owners", key: key) == [ana, ben, cem], "deleting a team keeps its owners")
            try await ConfigChecks.deletes(app, key: key, path: "/v1/owners/\(ana)")
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let ben = try await app.createOwner(key: key, name: "Ben")
            let stranger = unknownID()
            let response = try await app.request(.post, "/v1/teams", key: key, json: jsonBody([
                "name": "", "member_ids": [ana, ben, ana], "weights": [ana: 0, ben: 101, stranger: 2, "nobody": 1],
            ]))
            try expectValidation(response, fields: ["name", "member_ids[2]", "weights.\(ana)", "weights.\(ben)", "weights.\(stranger)", "weights.nobody"])
            #expect(try await app.listIDs("/v1/teams", key: key).isEmpty)
        }
    }

    @Test("each rule on its own")
    func eachRule() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let ben = try await app.createOwner(key: key, name: "Ben")
            let cases: [([String: Any], String)] = [
                (["name": "  "], "name"),
                (["name": String(repeating: "t", count: 201)], "name"),
                (["member_ids": [ana, ben, ben]], "member_ids[2]"),
                (["member_ids": [ana], "weights": [ana: 0]], "weights.\(ana)"),
                (["member_ids": [ana], "weights": [ana: 101]], "weights.\(ana)"),
                (["member_ids": [ana], "weights": [ben: 2]], "weights.\(ben)"),
            ]
            for (change, field) in cases {
                var body: [String: Any] = ["name": "SDR"]
                body.merge(change) { _, new in new }
                try expectValidation(try await app.request(.post, "/v1/teams", key: key, json: jsonBody(body)), fields: [field])
            }
            // At most 500 members.
            let many = (0..<501).map { _ in unknownID() }
            try expectValidation(try await app.request(.post, "/v1/teams", key: key, json: jsonBody(["name": "Huge", "member_ids": many])),
                                 fields: ["member_ids"], exactly: false)
            // A member id that is not a UUID.
            try expectValidation(try await app.request(.post, "/v1/teams", key: key, json: jsonBody(["name": "SDR", "member_ids": [ana, "ana"]])),
                                 fields: ["member_ids[1]"])
            // Weights 1 and 100 are the bounds.
            let bounds = try await app.request(.post, "/v1/teams", key: key, json: jsonBody(["name": "SDR", "member_ids": [ana, ben], "weights": [ana: 100, ben: 1]]))
            #expect(bounds.status == .created, "\(bounds.text)")
            #expect(try await app.listIDs("/v1/teams", key: key).count == 1)
        }
    }

    @Test("unknown member ids are all reported, each at its index")
    func unknownMembers() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key)
            let response = try await app.request(.post, "/v1/teams", key: key, json: jsonBody(["name": "SDR", "member_ids": [unknownID(), ana, unknownID()]]))
            try expectValidation(response, fields: ["member_ids[0]", "member_ids[2]"])
        }
    }

    @Test("another tenant's owner as a member is a 422 at member_ids[i], worded like an unknown id")
    func foreignMember() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let ana = try await app.createOwner(key: key, name: "Ana")
            let mallory = try await app.createOwner(key: other, name: "Mallory")
            try await ConfigChecks.foreignReference(field: "member_ids[1]", foreignID: mallory) { id in
                try await app.request(.post, "/v1/teams", key: key, json: jsonBody(["name": "SDR", "member_ids": [ana, id]]))
            }
            #expect(try await app.listIDs("/v1/teams", key: key).isEmpty)
            let team = try await app.createTeam(key: key, members: [ana])
            try await ConfigChecks.foreignReference(field: "member_ids[0]", foreignID: mallory) { id in
                try await app.patch("/v1/teams/\(team)", key: key, ["member_ids": [id, ana]])
            }
            #expect(try await app.get("/v1/teams/\(team)", key: key)["member_ids"] as? [String] == [ana])
            // The foreign owner is not anyone's member in B either.
            #expect(try await app.request(.delete, "/v1/owners/\(mallory)", key: other).status == .noContent)
        }
    }

    @Test("PATCH: absent keeps, null on the name is 422, the result is validated whole")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let ben = try await app.createOwner(key: key, name: "Ben")
            let team = try await app.createTeam(key: key, name: "SDR", members: [ana, ben], weights: [ana: 4])
            let before = try await app.get("/v1/teams/\(team)", key: key)

            try expectValidation(try await app.patch("/v1/teams/\(team)", key: key, ["name": NSNull()]), fields: ["name"])
            // Weights for someone the (unchanged) member list lacks.
            let outsider = try await app.createOwner(key: key, name: "Cem")
            try expectValidation(try await app.patch("/v1/teams/\(team)", key: key, ["weights": [outsider: 2]]), fields: ["weights.\(outsider)"])
            // A duplicate introduced by the patch, plus a bad name.
            try expectValidation(try await app.patch("/v1/teams/\(team)", key: key, ["name": " ", "member_ids": [ben, ben]]), fields: ["name", "member_ids[1]"])
            #expect(jsonBody(try await app.get("/v1/teams/\(team)", key: key)) == jsonBody(before), "refused patches change nothing")

            let empty = try await app.patch("/v1/teams/\(team)", key: key, [:])
            #expect(empty.status == .ok)
            #expect(try empty.json()["member_ids"] as? [String] == [ana, ben])
            #expect(try empty.json()["weights"] as? [String: Int] == [ana: 4])

            let emptied = try await app.patch("/v1/teams/\(team)", key: key, ["member_ids": []])
            #expect(emptied.status == .ok, "\(emptied.text)")
            #expect(try emptied.json()["member_ids"] as? [String] == [])
            #expect((try emptied.json()["weights"] as? [String: Any])?.isEmpty == true)
        }
    }

    @Test("null on member_ids or weights is not silently ignored: it clears or is refused")
    func nullOnDefaultedFields() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let team = try await app.createTeam(key: key, name: "SDR", members: [ana], weights: [ana: 4])
            let weights = try await app.patch("/v1/teams/\(team)", key: key, ["weights": NSNull()])
            #expect(try weights.status == .unprocessableContent || (weights.json()["weights"] as? [String: Int]) == [:],
                    "PATCH {weights: null} answered \(weights.status) \(weights.text)")
            let members = try await app.patch("/v1/teams/\(team)", key: key, ["member_ids": NSNull()])
            #expect(try members.status == .unprocessableContent || (members.json()["member_ids"] as? [String]) == [],
                    "PATCH {member_ids: null} answered \(members.status) \(members.text)")
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's team are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let ana = try await app.createOwner(key: key)
            let team = try await app.createTeam(key: key, members: [ana])
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/teams", id: team, patchBody: #"{"member_ids":[]}"#)
        }
    }

    @Test("a team used by a routing rule or an escalation cannot be deleted")
    func deleteReferenced() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key)
            let team = try await app.createTeam(key: key, name: "SDR", members: [ana])
            let rule = try await app.createRule(key: key, name: "Everyone", teamID: team)
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/teams/\(team)", naming: "Everyone")
            #expect(try await app.get("/v1/teams/\(team)", key: key)["member_ids"] as? [String] == [ana], "members survive the refused delete")

            try await ConfigChecks.deletes(app, key: key, path: "/v1/routing-rules/\(rule)")
            let policy = try await app.createPolicy(key: key, name: "Escalating", extra: [
                "escalations": [["after_seconds": 0, "action": "notify"], ["after_seconds": 600, "action": "reassign", "team_id": team]],
            ])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/teams/\(team)", naming: "Escalating")

            #expect(try await app.patch("/v1/sla-policies/\(policy)", key: key, ["escalations": NSNull()]).status == .ok)
            try await ConfigChecks.deletes(app, key: key, path: "/v1/teams/\(team)")
            // Its members are free to go now.
            try await ConfigChecks.deletes(app, key: key, path: "/v1/owners/\(ana)")
        }
    }

    @Test("pagination walks every team once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/teams") { index in
                try await app.createTeam(key: key, name: "Team \(index)")
            }
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key)
            try await ConfigChecks.idempotency(
                app, key: key, collection: "/v1/teams",
                body: jsonBody(["name": "SDR", "member_ids": [ana]]), otherBody: jsonBody(["name": "SDR", "member_ids": []])
            )
            // The replay did not add the member twice.
            for team in try await app.list("/v1/teams", key: key) where team["name"] as? String == "SDR" {
                #expect((team["member_ids"] as? [String])?.count ?? 0 <= 1)
            }
        }
    }

    @Test("scopes: read may GET only; ingest may not touch teams")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let team = try await app.createTeam(key: key)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/teams", id: team,
                                          createBody: #"{"name":"Other"}"#, patchBody: #"{"name":"Renamed"}"#)
        }
    }
}
