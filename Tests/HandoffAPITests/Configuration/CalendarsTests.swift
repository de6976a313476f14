@testable import HandoffTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Configuration: calendars")
struct CalendarsTests {
    static let keys = ["id", "name", "timezone", "hours", "holidays", "created_at", "updated_at"]

    static func window(_ day: String, _ start: String, _ end: String) -> [String: String] {
        ["day": day, "start": start, "end": end]
    }

    static func body(name: String = "Berlin", timezone: String = "Europe/Berlin", hours: [[String: String]], holidays: [String]? = nil) -> String {
        var object: [String: Any] = ["name": name, "timezone": timezone, "hours": hours]
        if let holidays { object["holidays"] = holidays }
        return jsonBody(object)
    }

    @Test("create, get, list, patch and delete; holidays sorted and unique, midnight windows kept")
    func crud() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let hours = [Self.window("mon", "09:00", "17:30"), Self.window("tue", "22:00", "02:00"), Self.window("wed", "13:00", "24:00")]
            let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(
                name: " Berlin office ", hours: hours, holidays: ["2026-12-26", "2026-12-25", "2026-12-25", "2026-01-01"]
            ))
            #expect(response.status == .created, "\(response.text)")
            let created = try response.json()
            expectRecord(created, keys: Self.keys)
            let id = try #require(created["id"] as? String)
            #expect(created["name"] as? String == "Berlin office")
            #expect(created["timezone"] as? String == "Europe/Berlin")
            #expect(created["hours"] as? [[String: String]] == hours)
            #expect(created["holidays"] as? [String] == ["2026-01-01", "2026-12-25", "2026-12-26"])

            #expect(jsonBody(try await app.get("/v1/calendars/\(id)", key: key)) == jsonBody(created))
            #expect(try await app.listIDs("/v1/calendars", key: key) == [id])

            // Only the name: the stored windows (24:00 and past-midnight ones included) are re-validated and kept.
            let renamed = try await app.patch("/v1/calendars/\(id)", key: key, ["name": "HQ"])
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try renamed.json()["hours"] as? [[String: String]] == hours)
            #expect(try renamed.json()["holidays"] as? [String] == ["2026-01-01", "2026-12-25", "2026-12-26"])
            #expect(try renamed.json()["created_at"] as? String == created["created_at"] as? String)

            let rezoned = try await app.patch("/v1/calendars/\(id)", key: key, ["timezone": "America/New_York"])
            #expect(rezoned.status == .ok, "\(rezoned.text)")
            #expect(try rezoned.json()["timezone"] as? String == "America/New_York")
            #expect(try rezoned.json()["name"] as? String == "HQ")

            let rehoursed = try await app.patch("/v1/calendars/\(id)", key: key, ["hours": [Self.window("fri", "08:00", "12:00")], "holidays": []])
            #expect(rehoursed.status == .ok, "\(rehoursed.text)")
            #expect(try rehoursed.json()["hours"] as? [[String: String]] == [Self.window("fri", "08:00", "12:00")])
            #expect(try rehoursed.json()["holidays"] as? [String] == [])
            #expect(jsonBody(try await app.get("/v1/calendars/\(id)", key: key)) == jsonBody(try rehoursed.json()))

            try await ConfigChecks.deletes(app, key: key, path: "/v1/calendars/\(id)")
        }
    }

    @Test("without holidays the list is empty, not null")
    func defaults() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/calendars", key: key, json: Self.body(timezone: "UTC", hours: [Self.window("sun", "00:00", "24:00")]))
            #expect(created["holidays"] as? [String] == [])
            #expect(created["timezone"] as? String == "UTC")
        }
    }

    @Test("time zones: IANA names and UTC only")
    func timeZones() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let hours = [Self.window("mon", "09:00", "17:00")]
            for zone in ["CET", "EST", "Mars/Base", "Europe/Atlantis", "GMT+0500", "", "Berlin", "+01:00"] {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(timezone: zone, hours: hours))
                try expectValidation(response, fields: ["timezone"])
            }
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)
            for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Australia/Lord_Howe"] {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(timezone: zone, hours: hours))
                #expect(response.status == .created, "\(zone): \(response.text)")
            }
        }
    }

    @Test("times: strict HH:MM, 24:00 only as an end, start and end must differ")
    func times() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let cases: [([String: String], String)] = [
                (Self.window("mon", "25:00", "17:00"), "hours[0].start"),
                (Self.window("mon", "24:00", "17:00"), "hours[0].start"),
                (Self.window("mon", "9:00", "17:00"), "hours[0].start"),
                (Self.window("mon", "09:60", "17:00"), "hours[0].start"),
                (Self.window("mon", "0900", "17:00"), "hours[0].start"),
                (Self.window("mon", "09:00", "24:01"), "hours[0].end"),
                (Self.window("mon", "09:00", "25:00"), "hours[0].end"),
                (Self.window("mon", "09:00", "17:0"), "hours[0].end"),
                (Self.window("mon", "09:00", "09:00"), "hours[0].end"),
                (Self.window("mon", "00:00", "00:00"), "hours[0].end"),
            ]
            for (window, field) in cases {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: [window]))
                try expectValidation(response, fields: [field])
                #expect(try response.message(at: field)?.isEmpty == false)
            }
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)
        }
    }

    @Test("an unknown day is a 422 at hours[i].day")
    func unknownDay() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: [Self.window("mon", "09:00", "17:00"), Self.window("funday", "09:00", "17:00")]))
            try expectValidation(response, fields: ["hours[1].day"])
            let upper = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: [Self.window("Mon", "09:00", "17:00")]))
            try expectValidation(upper, fields: ["hours[0].day"])
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)
        }
    }

    @Test("an unknown day is reported together with the other errors")
    func unknownDayWithOtherErrors() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(
                timezone: "Mars/Base", hours: [Self.window("funday", "09:00", "17:00"), Self.window("tue", "25:00", "17:00")]
            ))
            try expectValidation(response, fields: ["timezone", "hours[0].day", "hours[1].start"])
        }
    }

    @Test("windows must not overlap, also across midnight and the week's end; touching is fine")
    func overlaps() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let clashing: [[[String: String]]] = [
                [Self.window("mon", "09:00", "12:00"), Self.window("mon", "11:00", "13:00")],
                [Self.window("mon", "09:00", "17:00"), Self.window("mon", "10:00", "11:00")],
                [Self.window("mon", "09:00", "17:00"), Self.window("mon", "09:00", "17:00")],
                [Self.window("mon", "22:00", "02:00"), Self.window("tue", "01:00", "03:00")],
                [Self.window("sun", "23:00", "02:00"), Self.window("mon", "01:00", "05:00")],
            ]
            for hours in clashing {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hours))
                try expectValidation(response, fields: ["hours[1]"])
                #expect(try response.message(at: "hours[1]")?.contains("hours[0]") == true, "names the earlier window: \(response.text)")
            }
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)

            let fine: [[[String: String]]] = [
                [Self.window("mon", "09:00", "12:00"), Self.window("mon", "12:00", "15:00")],
                [Self.window("mon", "17:00", "24:00"), Self.window("tue", "00:00", "06:00")],
                [Self.window("sun", "22:00", "00:00"), Self.window("mon", "00:00", "06:00")],
                [Self.window("fri", "22:00", "06:00")],
                [Self.window("mon", "00:00", "24:00"), Self.window("tue", "00:00", "24:00")],
            ]
            for hours in fine {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hours))
                #expect(response.status == .created, "\(hours): \(response.text)")
                #expect(try response.json()["hours"] as? [[String: String]] == hours)
            }
        }
    }

    @Test("holidays must be real dates, each reported at its index")
    func holidays() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let hours = [Self.window("mon", "09:00", "17:00")]
            for bad in ["2026-02-30", "2026-13-01", "25-12-2026", "2026-1-5", "", "2026-12-25T00:00:00Z", "tomorrow"] {
                let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hours, holidays: ["2026-12-25", bad]))
                try expectValidation(response, fields: ["holidays[1]"])
            }
            let several = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hours, holidays: ["2026-02-29", "2028-02-29", "2026-04-31"]))
            try expectValidation(several, fields: ["holidays[0]", "holidays[2]"])
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)
            let leap = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hours, holidays: ["2028-02-29"]))
            #expect(leap.status == .created, "\(leap.text)")
        }
    }

    @Test("hours must have one to 100 windows")
    func windowCount() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try expectValidation(try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: [])), fields: ["hours"])
            let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            let many = (0..<101).map { index in
                Self.window(days[index % 7], String(format: "%02d:00", index / 7), String(format: "%02d:30", index / 7))
            }
            try expectValidation(try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: many)), fields: ["hours"])
            let hundred = Array(many.prefix(100))
            #expect(try await app.request(.post, "/v1/calendars", key: key, json: Self.body(hours: hundred)).status == .created)
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/calendars", key: key, json: Self.body(
                name: " ", timezone: "Mars/Base",
                hours: [
                    Self.window("mon", "25:00", "17:00"), Self.window("tue", "09:00", "09:00"), Self.window("wed", "09:00", "99:99"),
                    Self.window("thu", "10:00", "12:00"), Self.window("thu", "11:00", "13:00"),
                ],
                holidays: ["2026-02-30", "2026-12-25", "nope"]
            ))
            try expectValidation(response, fields: [
                "name", "timezone", "hours[0].start", "hours[1].end", "hours[2].end", "hours[4]", "holidays[0]", "holidays[2]",
            ])
            #expect(try await app.listIDs("/v1/calendars", key: key).isEmpty)
        }
    }

    @Test("PATCH: null on required fields is 422; the merged calendar is validated whole")
    func patchRules() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createCalendar(key: key)
            let before = try await app.get("/v1/calendars/\(id)", key: key)
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, ["name": NSNull()]), fields: ["name"])
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, ["timezone": NSNull()]), fields: ["timezone"])
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, ["hours": NSNull()]), fields: ["hours"])
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, ["hours": []]), fields: ["hours"])
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, ["timezone": "CET", "holidays": ["2026-02-30"]]),
                                 fields: ["timezone", "holidays[0]"])
            // A new window that overlaps nothing stored but itself.
            try expectValidation(try await app.patch("/v1/calendars/\(id)", key: key, [
                "hours": [Self.window("mon", "09:00", "17:00"), Self.window("mon", "16:00", "18:00")],
            ]), fields: ["hours[1]"])
            #expect(jsonBody(try await app.get("/v1/calendars/\(id)", key: key)) == jsonBody(before), "refused patches change nothing")

            let holidaysOnly = try await app.patch("/v1/calendars/\(id)", key: key, ["holidays": ["2027-01-01"]])
            #expect(holidaysOnly.status == .ok, "\(holidaysOnly.text)")
            #expect(try holidaysOnly.json()["holidays"] as? [String] == ["2027-01-01"])
            #expect(try holidaysOnly.json()["hours"] as? [[String: String]] == before["hours"] as? [[String: String]])
        }
    }

    @Test("null on holidays is not silently ignored: it clears or is refused")
    func nullHolidays() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createCalendar(key: key)
            let response = try await app.patch("/v1/calendars/\(id)", key: key, ["holidays": NSNull()])
            #expect(try response.status == .unprocessableContent || (response.json()["holidays"] as? [String]) == [],
                    "PATCH {holidays: null} answered \(response.status) \(response.text)")
        }
    }

    @Test("a calendar used by an owner or an SLA policy cannot be deleted")
    func deleteReferenced() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let calendar = try await app.createCalendar(key: key)
            let owner = try await app.createOwner(key: key, name: "Ana", extra: ["calendar_id": calendar])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/calendars/\(calendar)", naming: "Ana")
            // Detached by pointing elsewhere (clearing with null is covered by the owner and policy tests).
            let spare = try await app.createCalendar(key: key, name: "Spare")
            #expect(try await app.patch("/v1/owners/\(owner)", key: key, ["calendar_id": spare]).status == .ok)

            let policy = try await app.createPolicy(key: key, name: "Business hours", extra: ["calendar_id": calendar])
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/calendars/\(calendar)", naming: "Business hours")
            #expect(try await app.get("/v1/sla-policies/\(policy)", key: key)["calendar_id"] as? String == calendar)

            #expect(try await app.patch("/v1/sla-policies/\(policy)", key: key, ["calendar_id": spare]).status == .ok)
            try await ConfigChecks.deletes(app, key: key, path: "/v1/calendars/\(calendar)")
            try await ConfigChecks.deleteIsRefused(app, key: key, path: "/v1/calendars/\(spare)", naming: "Ana")
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's calendar are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let id = try await app.createCalendar(key: key)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/calendars", id: id, patchBody: #"{"name":"Mine now"}"#)
        }
    }

    @Test("pagination walks every calendar once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/calendars") { index in
                try await app.createCalendar(key: key, name: "Calendar \(index)")
            }
        }
    }

    @Test("Idempotency-Key: same body replays, another body is 409, nothing extra is created")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.idempotency(
                app, key: key, collection: "/v1/calendars",
                body: Self.body(hours: [Self.window("mon", "09:00", "17:00")]),
                otherBody: Self.body(hours: [Self.window("tue", "09:00", "17:00")])
            )
        }
    }

    @Test("scopes: read may GET only; ingest may not touch calendars")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try await app.createCalendar(key: key)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/calendars", id: id,
                                          createBody: Self.body(hours: [Self.window("mon", "09:00", "17:00")]), patchBody: #"{"name":"x"}"#)
        }
    }
}
