@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: owners")
struct OwnersTests {
    static let keys = ["id", "name", "email", "slack_user_id", "phone", "timezone", "territories", "active",
                       "max_open_leads", "away_until", "calendar_id", "open_leads", "created_at", "updated_at"]

    @Test("create with only the required fields fills defaults and writes every optional field as null")
    func createMinimal() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"  Ana Schmidt ","email":" ana@example.com "}"#)
            #expect(response.status == .created, "\(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let owner = try response.json()
            expectRecord(owner, keys: Self.keys)
            #expect(owner["name"] as? String == "Ana Schmidt", "trimmed")
            #expect(owner["email"] as? String == "ana@example.com", "trimmed")
            #expect(owner["timezone"] as? String == "UTC")
            #expect(owner["territories"] as? [String] == [])
            #expect(owner["active"] as? Bool == true)
            #expect(owner["open_leads"] as? Int == 0)
            for key in ["slack_user_id", "phone", "max_open_leads", "away_until", "calendar_id"] {
                #expect(owner[key] is NSNull, "\(key) should be null")
                #expect(response.text.contains(#""\#(key)":null"#), "\(key) is written out as null")
            }
            #expect(owner["created_at"] as? String == owner["updated_at"] as? String)
        }
    }

    @Test("create, get, list, patch and delete round-trip every field")
    func crud() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let calendar = try await app.createCalendar(key: key)
            let created = try await app.create("/v1/owners", key: key, json: jsonBody([
                "name": "Ana", "email": "ana@example.com", "slack_user_id": "U024BE7LH", "phone": "+49 (30) 123-4567",
                "timezone": "Europe/Berlin", "territories": ["DE", "AT", "DE"], "active": false, "max_open_leads": 25,
                "away_until": "2026-12-01T10:00:00+01:00", "calendar_id": calendar.uppercased(),
            ]))
            expectRecord(created, keys: Self.keys)
            let id = try #require(created["id"] as? String)
            #expect(created["slack_user_id"] as? String == "U024BE7LH")
            #expect(created["phone"] as? String == "+49 (30) 123-4567")
            #expect(created["timezone"] as? String == "Europe/Berlin")
            #expect(created["territories"] as? [String] == ["DE", "AT"], "duplicates dropped, order kept")
            #expect(created["active"] as? Bool == false)
            #expect(created["max_open_leads"] as? Int == 25)
            #expect(created["away_until"] as? String == "2026-12-01T09:00:00.000Z", "UTC with milliseconds")
            #expect(created["calendar_id"] as? String == calendar, "ids come back lowercase")

            let fetched = try await app.get("/v1/owners/\(id)", key: key)
            #expect(jsonBody(fetched) == jsonBody(created))
            let byUppercase = try await app.get("/v1/owners/\(id.uppercased())", key: key)
            #expect(byUppercase["id"] as? String == id)

            let list = try await app.get("/v1/owners", key: key)
            #expect(list.keys.sorted() == ["data", "next_cursor"])
            let listed = try #require((list["data"] as? [[String: Any]])?.first { $0["id"] as? String == id })
            #expect(jsonBody(listed) == jsonBody(created))

            let patched = try await app.patch("/v1/owners/\(id)", key: key, ["name": "Ana S.", "territories": ["CH"]])
            #expect(patched.status == .ok, "\(patched.text)")
            let after = try patched.json()
            expectRecord(after, keys: Self.keys)
            #expect(after["name"] as? String == "Ana S.")
            #expect(after["territories"] as? [String] == ["CH"])
            #expect(after["email"] as? String == "ana@example.com", "absent fields stay")
            #expect(after["calendar_id"] as? String == calendar)
            #expect(after["max_open_leads"] as? Int == 25)
            #expect(after["created_at"] as? String == created["created_at"] as? String)
            #expect((after["updated_at"] as? String ?? "") >= (created["updated_at"] as? String ?? "~"))
            #expect(jsonBody(try await app.get("/v1/owners/\(id)", key: key)) == jsonBody(after))

            try await ConfigChecks.deletes(app, key: key, path: "/v1/owners/\(id)")
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty)
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/owners", key: key, json: jsonBody([
                "name": "   ", "email": "not-an-email", "slack_user_id": "U-1!", "phone": "call me",
                "timezone": "CET", "territories": ["DE", " "], "max_open_leads": 0,
            ]))
            try expectValidation(response, fields: ["name", "email", "slack_user_id", "phone", "timezone", "territories[1]", "max_open_leads"])
            let detail = try response.json()["detail"] as? String
            #expect(detail?.contains("7") == true, "\(detail ?? "")")
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty, "nothing is stored")
        }
    }

    @Test("a body missing both required fields names both")
    func missingRequiredFields() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try expectValidation(try await app.request(.post, "/v1/owners", key: key, json: "{}"), fields: ["name", "email"])
        }
    }

    @Test("a field error and an unknown reference are reported together")
    func fieldAndReferenceErrorsTogether() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/owners", key: key, json: jsonBody([
                "name": "Ana", "email": "nope", "calendar_id": unknownID(),
            ]))
            try expectValidation(response, fields: ["email", "calendar_id"])
        }
    }

    @Test("each rule on its own: the field named, the message useful")
    func eachRule() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let cases: [([String: Any], String)] = [
                (["name": ""], "name"),
                (["name": String(repeating: "x", count: 201)], "name"),
                // 101 letters as Swift counts them, 202 code points as JSON Schema does.
                (["name": String(repeating: "e\u{301}", count: 101)], "name"),
                (["email": "ana"], "email"),
                (["email": "ana@"], "email"),
                (["email": "@example.com"], "email"),
                (["email": "ana@example"], "email"),
                (["email": "ana smith@example.com"], "email"),
                (["email": "a@b@example.com"], "email"),
                (["phone": "123"], "phone"),
                (["phone": "+49 30 abc"], "phone"),
                (["slack_user_id": "U 024"], "slack_user_id"),
                (["slack_user_id": String(repeating: "U", count: 41)], "slack_user_id"),
                (["timezone": "CET"], "timezone"),
                (["timezone": "EST"], "timezone"),
                (["timezone": "Mars/Base"], "timezone"),
                (["timezone": "GMT+0500"], "timezone"),
                (["timezone": ""], "timezone"),
                (["territories": [""]], "territories[0]"),
                (["territories": ["DE", "AT", String(repeating: "x", count: 65)]], "territories[2]"),
                (["max_open_leads": 0], "max_open_leads"),
                (["max_open_leads": -3], "max_open_leads"),
                (["max_open_leads": 1_000_001], "max_open_leads"),
                (["max_open_leads": 5_836_558_444], "max_open_leads"),  // past Postgres's integer: was a 500
            ]
            for (change, field) in cases {
                var body: [String: Any] = ["name": "Ana", "email": "ana@example.com"]
                body.merge(change) { _, new in new }
                let response = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(body))
                try expectValidation(response, fields: [field])
                #expect(try response.message(at: field)?.isEmpty == false)
            }
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty)

            // Shapes that are fine.
            let fine: [[String: Any]] = [
                ["timezone": "UTC"], ["timezone": "Asia/Kolkata"], ["timezone": "America/Argentina/Buenos_Aires"],
                ["phone": "+1 (555) 010-9999"], ["phone": "030.1234.567"], ["email": "first.last+tag@sub.example.co.uk"],
                ["max_open_leads": 1], ["max_open_leads": 1_000_000], ["territories": []],
            ]
            for change in fine {
                var body: [String: Any] = ["name": "Ana", "email": "ana@example.com"]
                body.merge(change) { _, new in new }
                let response = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(body))
                #expect(response.status == .created, "\(change): \(response.text)")
            }
        }
    }

    @Test("wrong JSON types are a 422 at the field; bodies that are not JSON objects are 400 or 415")
    func malformedBodies() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let typeCases: [([String: Any], String)] = [
                (["active": "yes"], "active"),
                (["max_open_leads": "5"], "max_open_leads"),
                (["territories": "DE"], "territories"),
                (["name": 42], "name"),
            ]
            for (change, field) in typeCases {
                var body: [String: Any] = ["name": "Ana", "email": "ana@example.com"]
                body.merge(change) { _, new in new }
                try expectValidation(try await app.request(.post, "/v1/owners", key: key, json: jsonBody(body)), fields: [field])
            }
            expectProblem(try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana","#), .badRequest)
            expectProblem(try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana","email":"ana@example.com"}"#,
                                                headers: [.contentType: "text/plain"]), .unsupportedMediaType)
            let id = try await app.createOwner(key: key)
            let before = try await app.get("/v1/owners/\(id)", key: key)
            expectProblem(try await app.request(.patch, "/v1/owners/\(id)", key: key, json: "not json"), .badRequest)
            expectProblem(try await app.request(.patch, "/v1/owners/\(id)", key: key), .badRequest)
            try expectValidation(try await app.patch("/v1/owners/\(id)", key: key, ["active": "no"]), fields: ["active"])
            #expect(jsonBody(try await app.get("/v1/owners/\(id)", key: key)) == jsonBody(before))
            #expect(try await app.listIDs("/v1/owners", key: key) == [id])
        }
    }

    @Test("a lower-case zone name is refused with the correct spelling suggested")
    func timeZoneSuggestion() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/calendars", key: key, json: jsonBody([
                "name": "x", "timezone": "europe/berlin", "hours": [["day": "mon", "start": "09:00", "end": "17:00"]],
            ]))
            try expectValidation(response, fields: ["timezone"])
            #expect(try response.message(at: "timezone")?.contains("Europe/Berlin") == true)
            let owner = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(["name": "Ana", "email": "ana@example.com", "timezone": "europe/berlin"]))
            try expectValidation(owner, fields: ["timezone"])
        }
    }

    @Test("a malformed away_until is a 422 at away_until, not a 400")
    func badTimestamp() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let create = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(["name": "Ana", "email": "ana@example.com", "away_until": "tomorrow"]))
            try expectValidation(create, fields: ["away_until"])
            let id = try await app.createOwner(key: key)
            let patch = try await app.patch("/v1/owners/\(id)", key: key, ["away_until": "2026-13-45T99:00:00Z"])
            try expectValidation(patch, fields: ["away_until"])
        }
    }

    @Test("away_until keeps its milliseconds exactly")
    func timestampPrecision() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createOwner(key: key)
            for stamp in ["2026-12-01T09:00:00.123Z", "2026-12-01T09:00:00.001Z", "2026-12-01T09:00:00.999Z", "2031-07-15T23:59:59.587Z"] {
                let response = try await app.patch("/v1/owners/\(id)", key: key, ["away_until": stamp])
                #expect(response.status == .ok, "\(response.text)")
                #expect(try response.json()["away_until"] as? String == stamp)
                #expect(try await app.get("/v1/owners/\(id)", key: key)["away_until"] as? String == stamp)
            }
        }
    }

    @Test("PATCH is a merge patch: absent keeps, null clears optional fields")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let calendar = try await app.createCalendar(key: key)
            let id = try await app.createOwner(key: key, extra: [
                "phone": "+49 30 1234567", "slack_user_id": "U024BE7LH", "away_until": "2026-12-01T09:00:00Z",
                "max_open_leads": 5, "calendar_id": calendar, "territories": ["DE"], "timezone": "Europe/Berlin",
            ])
            let before = try await app.get("/v1/owners/\(id)", key: key)

            let empty = try await app.patch("/v1/owners/\(id)", key: key, [:])
            #expect(empty.status == .ok, "\(empty.text)")
            var unchanged = try empty.json()
            var expected = before
            unchanged["updated_at"] = nil
            expected["updated_at"] = nil
            #expect(jsonBody(unchanged) == jsonBody(expected), "an empty patch changes nothing")

            let cleared = try await app.patch("/v1/owners/\(id)", key: key, ["away_until": NSNull(), "phone": NSNull()])
            #expect(cleared.status == .ok, "\(cleared.text)")
            let owner = try cleared.json()
            #expect(owner["away_until"] is NSNull)
            #expect(owner["phone"] is NSNull)
            #expect(owner["slack_user_id"] as? String == "U024BE7LH", "absent fields stay")
            #expect(owner["max_open_leads"] as? Int == 5)
            #expect(owner["calendar_id"] as? String == calendar)
            #expect(owner["territories"] as? [String] == ["DE"])
            #expect(owner["timezone"] as? String == "Europe/Berlin")

            let more = try await app.patch("/v1/owners/\(id)", key: key, ["slack_user_id": NSNull(), "max_open_leads": NSNull(), "calendar_id": NSNull()])
            #expect(more.status == .ok, "\(more.text)")
            let stored = try await app.get("/v1/owners/\(id)", key: key)
            for field in ["slack_user_id", "max_open_leads", "calendar_id", "away_until", "phone"] {
                #expect(stored[field] is NSNull, "\(field) was cleared")
            }
            #expect(stored["email"] as? String == before["email"] as? String)
            #expect(stored["name"] as? String == before["name"] as? String)

            // Set again after clearing.
            let reset = try await app.patch("/v1/owners/\(id)", key: key, ["phone": "+1 555 0100", "active": false])
            #expect(try reset.json()["phone"] as? String == "+1 555 0100")
            #expect(try reset.json()["active"] as? Bool == false)
        }
    }

    @Test("null on a required field is a 422 and changes nothing")
    func nullOnRequired() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createOwner(key: key)
            let before = try await app.get("/v1/owners/\(id)", key: key)
            try expectValidation(try await app.patch("/v1/owners/\(id)", key: key, ["name": NSNull()]), fields: ["name"])
            try expectValidation(try await app.patch("/v1/owners/\(id)", key: key, ["email": NSNull()]), fields: ["email"])
            try expectValidation(try await app.patch("/v1/owners/\(id)", key: key, ["name": NSNull(), "email": NSNull(), "phone": "x"]),
                                 fields: ["name", "email", "phone"])
            #expect(jsonBody(try await app.get("/v1/owners/\(id)", key: key)) == jsonBody(before))
        }
    }

    @Test("null on a field with a default is not silently ignored: it resets or is refused")
    func nullOnDefaultedFields() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createOwner(key: key, extra: ["timezone": "Europe/Berlin", "territories": ["DE"], "active": false])
            let territories = try await app.patch("/v1/owners/\(id)", key: key, ["territories": NSNull()])
            #expect(try territories.status == .unprocessableContent || (territories.json()["territories"] as? [String]) == [],
                    "PATCH {territories: null} answered \(territories.status) \(territories.text)")
            let timezone = try await app.patch("/v1/owners/\(id)", key: key, ["timezone": NSNull()])
            #expect(try timezone.status == .unprocessableContent || (timezone.json()["timezone"] as? String) == "UTC",
                    "PATCH {timezone: null} answered \(timezone.status) \(timezone.text)")
            let active = try await app.patch("/v1/owners/\(id)", key: key, ["active": NSNull()])
            #expect(try active.status == .unprocessableContent || (active.json()["active"] as? Bool) == true,
                    "PATCH {active: null} answered \(active.status) \(active.text)")
        }
    }

    @Test("PATCH validates the merged owner whole and reports every error")
    func patchValidatesWhole() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createOwner(key: key)
            let before = try await app.get("/v1/owners/\(id)", key: key)
            let response = try await app.patch("/v1/owners/\(id)", key: key, ["email": "bad", "max_open_leads": 0, "timezone": "Mars/Base"])
            try expectValidation(response, fields: ["email", "max_open_leads", "timezone"])
            #expect(jsonBody(try await app.get("/v1/owners/\(id)", key: key)) == jsonBody(before))
        }
    }

    @Test("open_leads is read-only")
    func openLeadsReadOnly() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/owners", key: key, json: #"{"name":"Ana","email":"ana@example.com","open_leads":7}"#)
            #expect(created["open_leads"] as? Int == 0)
            let id = try #require(created["id"] as? String)
            let patched = try await app.patch("/v1/owners/\(id)", key: key, ["open_leads": 9])
            #expect(try patched.json()["open_leads"] as? Int == 0)
        }
    }

    @Test("another tenant's calendar_id is a 422 at calendar_id, worded like an unknown id")
    func foreignCalendar() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let foreign = try await app.createCalendar(key: other, name: "B's secret calendar")
            try await ConfigChecks.foreignReference(field: "calendar_id", foreignID: foreign) { id in
                try await app.request(.post, "/v1/owners", key: key, json: jsonBody(["name": "Ana", "email": "ana@example.com", "calendar_id": id]))
            }
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty)
            let owner = try await app.createOwner(key: key)
            try await ConfigChecks.foreignReference(field: "calendar_id", foreignID: foreign) { id in
                try await app.patch("/v1/owners/\(owner)", key: key, ["calendar_id": id])
            }
            let stored = try await app.get("/v1/owners/\(owner)", key: key)
            #expect(stored["calendar_id"] is NSNull)
            let text = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(["name": "Ana", "email": "ana@example.com", "calendar_id": foreign])).text
            #expect(!text.contains("secret calendar"))
        }
    }

    @Test("a calendar_id that is not a UUID is a 422 at calendar_id")
    func malformedReference() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/owners", key: key, json: jsonBody(["name": "Ana", "email": "ana@example.com", "calendar_id": "cal-1"]))
            try expectValidation(response, fields: ["calendar_id"])
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's owner are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let id = try await app.createOwner(key: key)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/owners", id: id, patchBody: #"{"name":"Mallory"}"#)
        }
    }

    @Test("an owner still referred to cannot be deleted; once detached it can")
    func deleteReferenced() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana")
            let team = try await app.createTeam(key: key, name: "SDR", members: [ana])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/owners/\(ana)", naming: "SDR")
            #expect(try await app.get("/v1/teams/\(team)", key: key)["member_ids"] as? [String] == [ana], "the team keeps its member")

            #expect(try await app.patch("/v1/teams/\(team)", key: key, ["member_ids": []]).status == .ok)
            let policy = try await app.createPolicy(key: key, name: "Fast", extra: ["escalations": [["after_seconds": 60, "action": "reassign", "owner_id": ana]]])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/owners/\(ana)", naming: "Fast")

            #expect(try await app.patch("/v1/sla-policies/\(policy)", key: key, ["escalations": []]).status == .ok)
            let funnel = try await app.createFunnel(key: key, name: "Demo", policyID: policy, extra: ["fallback_owner_id": ana])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/owners/\(ana)", naming: "Demo")

            // Detached by pointing elsewhere (clearing with null is covered by the merge-patch tests).
            let ben = try await app.createOwner(key: key, name: "Ben")
            #expect(try await app.patch("/v1/funnels/\(funnel)", key: key, ["fallback_owner_id": ben]).status == .ok)
            let rule = try await app.createID("/v1/routing-rules", key: key, ["name": "VIP", "position": 1, "assign": ["strategy": "owner", "owner_id": ana]])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/owners/\(ana)", naming: "VIP")

            try await ConfigChecks.deletes(app, key: key, path: "/v1/routing-rules/\(rule)")
            try await ConfigChecks.deletes(app, key: key, path: "/v1/owners/\(ana)")
        }
    }

    @Test("an owner who recorded a response on someone else's lead is a 409 naming it, not a 500")
    func deleteOwnerWithRecordedResponses() async throws {
        try await TestApp.run(clock: { .wednesdayMorning }) { app in
            let seed = try await SeedConfiguration.create(on: app)
            let lead = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead(country: "DE"))
            let id = try lead.json()["id"] as? String ?? ""
            #expect(try lead.json()["owner_id"] as? String == seed.ana)
            // Bob answers Ana's lead, then leaves every team: only his response still names him.
            let answered = try await app.request(.post, "/v1/leads/\(id)/responses", key: seed.key,
                                                 json: #"{"channel":"call","owner_id":"\#(seed.bob)"}"#)
            #expect(answered.status == .created, "\(answered.text)")
            #expect(try await app.patch("/v1/teams/\(seed.sdrTeam)", key: seed.key, ["member_ids": [seed.ana]]).status == .ok)

            let response = try await app.request(.delete, "/v1/owners/\(seed.bob)", key: seed.key)
            expectProblem(response, .conflict, slug: "still-referenced")
            #expect((try response.json()["detail"] as? String ?? "").contains("1 recorded response(s)"), "\(response.text)")
            #expect(try await app.request(.get, "/v1/owners/\(seed.bob)", key: seed.key).status == .ok, "nothing was deleted")
        }
    }

    @Test("the 409 names every referrer at once")
    func conflictNamesAllReferrers() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key)
            _ = try await app.createTeam(key: key, name: "Inbound", members: [ana])
            _ = try await app.createTeam(key: key, name: "Outbound", members: [ana])
            let policy = try await app.createPolicy(key: key)
            _ = try await app.createFunnel(key: key, name: "Pricing", policyID: policy, extra: ["fallback_owner_id": ana])
            let response = try await app.request(.delete, "/v1/owners/\(ana)", key: key)
            expectProblem(response, .conflict, slug: "still-referenced")
            let detail = try response.json()["detail"] as? String ?? ""
            for name in ["Inbound", "Outbound", "Pricing"] { #expect(detail.contains(name), "\(detail)") }
        }
    }

    @Test("pagination walks every owner once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/owners") { index in
                try await app.createOwner(key: key, name: "Owner \(index)", email: "owner\(index)@example.com")
            }
        }
    }

    @Test("filters: active and territory, alone, together and across pages")
    func filters() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let ana = try await app.createOwner(key: key, name: "Ana", extra: ["territories": ["DE", "AT"]])
            let ben = try await app.createOwner(key: key, name: "Ben", extra: ["territories": ["DE"], "active": false])
            let cem = try await app.createOwner(key: key, name: "Cem", extra: ["territories": ["FR"]])
            let dora = try await app.createOwner(key: key, name: "Dora", extra: ["territories": ["AT", "DE"]])

            #expect(try await app.listIDs("/v1/owners?active=true", key: key) == [ana, cem, dora])
            #expect(try await app.listIDs("/v1/owners?active=false", key: key) == [ben])
            #expect(try await app.listIDs("/v1/owners?territory=DE", key: key) == [ana, ben, dora])
            #expect(try await app.listIDs("/v1/owners?territory=AT", key: key) == [ana, dora])
            #expect(try await app.listIDs("/v1/owners?territory=FR&active=true", key: key) == [cem])
            #expect(try await app.listIDs("/v1/owners?territory=DE&active=false", key: key) == [ben])
            #expect(try await app.listIDs("/v1/owners?territory=IT", key: key) == [])
            #expect(try await app.listIDs("/v1/owners", key: key) == [ana, ben, cem, dora])

            let (paged, pages) = try await app.listAll("/v1/owners?territory=DE", key: key, limit: 1)
            #expect(paged.compactMap { $0["id"] as? String } == [ana, ben, dora])
            #expect(pages == 3)

            // Deactivating moves an owner between the filters.
            #expect(try await app.patch("/v1/owners/\(ana)", key: key, ["active": false]).status == .ok)
            #expect(try await app.listIDs("/v1/owners?active=false", key: key) == [ana, ben])
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.idempotency(
                app, key: key, collection: "/v1/owners",
                body: #"{"name":"Ana","email":"ana@example.com"}"#, otherBody: #"{"name":"Ben","email":"ben@example.com"}"#
            )
        }
    }

    @Test("a refused create is replayed as the same 422 under its Idempotency-Key")
    func idempotentRefusal() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let headers: HTTPFields = [idempotencyKey: "bad-owner"]
            let body = #"{"name":"Ana","email":"nope"}"#
            let first = try await app.request(.post, "/v1/owners", key: key, json: body, headers: headers)
            let again = try await app.request(.post, "/v1/owners", key: key, json: body, headers: headers)
            try expectValidation(first, fields: ["email"])
            try expectValidation(again, fields: ["email"])
            #expect(again.headers[idempotentReplayed] == "true")
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty)
        }
    }

    @Test("a key first used for a refused create cannot be reused for another body")
    func idempotencyKeyAfterRefusal() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let headers: HTTPFields = [idempotencyKey: "owner-1"]
            try expectValidation(try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana","email":"nope"}"#, headers: headers), fields: ["email"])
            let other = try await app.request(.post, "/v1/owners", key: key, json: #"{"name":"Ana","email":"ana@example.com"}"#, headers: headers)
            expectProblem(other, .conflict)
            #expect(try await app.listIDs("/v1/owners", key: key).isEmpty)
        }
    }

    @Test("PATCH as application/merge-patch+json changes the fields sent and nothing else; another type is 415")
    func mergePatchMediaType() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/owners", key: key, json: jsonBody([
                "name": "Aiko", "email": "aiko@example.com", "timezone": "Asia/Tokyo", "active": false, "territories": ["JP"],
            ]))
            let id = try #require(created["id"] as? String)
            let patched = try await app.request(.patch, "/v1/owners/\(id)", key: key, json: #"{"name":"Aiko Tanaka","phone":null}"#,
                                                headers: [.contentType: "application/merge-patch+json"])
            #expect(patched.status == .ok, "\(patched.text)")
            let fetched = try await app.get("/v1/owners/\(id)", key: key)
            #expect(fetched["name"] as? String == "Aiko Tanaka")
            for field in ["email", "timezone", "active", "territories", "slack_user_id", "max_open_leads", "calendar_id"] {
                #expect(canonicalJSON(fetched[field] as Any) == canonicalJSON(created[field] as Any), "\(field) moved")
            }
            let xml = try await app.request(.patch, "/v1/owners/\(id)", key: key, json: #"{"name":"X"}"#, headers: [.contentType: "application/xml"])
            expectProblem(xml, .unsupportedMediaType)
            #expect(try await app.get("/v1/owners/\(id)", key: key)["name"] as? String == "Aiko Tanaka")
        }
    }

    @Test("scopes: read may GET only; ingest may not touch owners")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createOwner(key: key)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/owners", id: id,
                                          createBody: #"{"name":"Ben","email":"ben@example.com"}"#, patchBody: #"{"name":"Eve"}"#)
        }
    }
}
