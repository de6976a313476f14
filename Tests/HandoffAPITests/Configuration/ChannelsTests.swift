@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Configuration: channels")
struct ChannelsTests {
    static let keys = ["id", "name", "type", "config", "events", "active", "created_at", "updated_at"]

    static func webhook(_ change: [String: Any] = [:]) -> String {
        var body: [String: Any] = ["name": "Hook", "type": "webhook", "config": ["url": "https://example.com/hooks/handoff"], "events": ["lead.assigned"]]
        body.merge(change) { _, new in new }
        return jsonBody(body)
    }

    static func slack(_ change: [String: Any] = [:]) -> String {
        var body: [String: Any] = ["name": "Sales", "type": "slack", "config": ["webhook_url": "https://hooks.slack.com/services/T0/B0/x"], "events": ["sla.breached"]]
        body.merge(change) { _, new in new }
        return jsonBody(body)
    }

    static func email(_ change: [String: Any] = [:]) -> String {
        var body: [String: Any] = ["name": "Mail", "type": "email", "config": ["to_owner": true], "events": ["lead.assigned"]]
        body.merge(change) { _, new in new }
        return jsonBody(body)
    }

    /// The secret column as stored, read past RLS on a superuser connection,
    /// and opened with the app's HANDOFF_SECRET_KEY (it is stored sealed).
    static func storedSecret(_ app: TestApp, _ id: String) async throws -> String? {
        let uuid = try #require(UUID(uuidString: id))
        let stored = try await app.database.client.withConnection { connection in
            let rows = try await connection.query("SELECT secret FROM channels WHERE id = \(uuid)", logger: TestDatabase.logger).collect()
            return try rows.first?.decode(String?.self) ?? nil
        }
        return try stored.map { try #require(SealedSecret.open($0, with: app.dependencies.secretKey)) }
    }

    @Test("webhook: create returns a whsec_ secret once; get, list and patch never show it")
    func webhookSecretShownOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/channels", key: key, json: Self.webhook([
                "name": " Hook ", "events": ["lead.assigned", "sla.breached", "lead.assigned"],
            ]))
            #expect(response.status == .created, "\(response.text)")
            let created = try response.json()
            expectRecord(created, keys: Self.keys + ["secret"])
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(secret.count > 20)
            #expect(created["name"] as? String == "Hook")
            #expect(created["type"] as? String == "webhook")
            #expect(created["config"] as? [String: String] == ["url": "https://example.com/hooks/handoff"])
            #expect(created["events"] as? [String] == ["lead.assigned", "sla.breached"], "duplicates dropped, order kept")
            #expect(created["active"] as? Bool == true)

            let get = try await app.request(.get, "/v1/channels/\(id)", key: key)
            #expect(get.status == .ok)
            expectRecord(try get.json(), keys: Self.keys)
            #expect(!get.text.contains("secret") && !get.text.contains(secret) && !get.text.contains("whsec_"))
            var withoutSecret = created
            withoutSecret["secret"] = nil
            #expect(jsonBody(try get.json()) == jsonBody(withoutSecret))

            let list = try await app.request(.get, "/v1/channels", key: key)
            #expect(list.status == .ok)
            #expect(!list.text.contains("secret") && !list.text.contains("whsec_"))
            #expect(try await app.listIDs("/v1/channels", key: key) == [id])

            let patched = try await app.patch("/v1/channels/\(id)", key: key, ["name": "Renamed", "events": ["lead.responded"]])
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(!patched.text.contains("secret") && !patched.text.contains("whsec_"))
            let after = try patched.json()
            expectRecord(after, keys: Self.keys)
            #expect(after["name"] as? String == "Renamed")
            #expect(after["events"] as? [String] == ["lead.responded"])
            #expect(after["config"] as? [String: String] == ["url": "https://example.com/hooks/handoff"], "absent config stays")
            #expect(after["created_at"] as? String == created["created_at"] as? String)
            #expect(try await Self.storedSecret(app, id) == secret, "a patch keeps the signing secret")

            try await ConfigChecks.deletes(app, key: key, path: "/v1/channels/\(id)")
        }
    }

    @Test("slack and email channels: another type's config fields are refused, no secret")
    func slackAndEmail() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let mixed = try await app.request(.post, "/v1/channels", key: key, json: Self.slack([
                "config": ["webhook_url": "https://hooks.slack.com/services/T0/B0/x", "url": "https://elsewhere.example.com", "to": ["a@example.com"]],
            ]))
            try expectValidation(mixed, fields: ["config.url", "config.to"])
            let slackResponse = try await app.request(.post, "/v1/channels", key: key, json: Self.slack([
                "config": ["webhook_url": "https://hooks.slack.com/services/T0/B0/x"],
            ]))
            #expect(slackResponse.status == .created, "\(slackResponse.text)")
            let slack = try slackResponse.json()
            expectRecord(slack, keys: Self.keys)
            #expect(slack["secret"] == nil)
            #expect(slack["config"] as? [String: String] == ["webhook_url": "https://hooks.slack.com/services/T0/B0/x"])

            let owner = try await app.create("/v1/channels", key: key, json: Self.email(["config": ["to_owner": true], "active": false]))
            expectRecord(owner, keys: Self.keys)
            #expect(owner["secret"] == nil)
            #expect(owner["config"] as? [String: Bool] == ["to_owner": true])
            #expect(owner["active"] as? Bool == false)

            for body in [slack, owner] {
                let id = try #require(body["id"] as? String)
                #expect(jsonBody(try await app.get("/v1/channels/\(id)", key: key)) == jsonBody(body))
                #expect(try await Self.storedSecret(app, id) == nil)
            }
        }
    }

    @Test("https is required for webhook and Slack targets; any URL must be absolute")
    func targetURLs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            for url in ["http://example.com/hook", "ftp://example.com/hook", "not a url", "/relative/path", "https://", "", "HTTP://example.com"] {
                try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["url": url]])), fields: ["config.url"])
                try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.slack(["config": ["webhook_url": url]])), fields: ["config.webhook_url"])
            }
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["url": "http://example.com"]])).message(at: "config.url")?.contains("https") == true)
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": [:]])), fields: ["config.url"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["webhook_url": "https://example.com"]])), fields: ["config.url", "config.webhook_url"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.slack(["config": ["url": "https://example.com"]])), fields: ["config.webhook_url", "config.url"])
            #expect(try await app.listIDs("/v1/channels", key: key).isEmpty)
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["url": "HTTPS://Example.com/Hook?x=1"]])).status == .created)
        }
    }

    @Test("with private targets allowed (development), http receivers are accepted")
    func insecureTargetsWhenAllowed() async throws {
        try await TestApp.run(allowPrivateTargets: true) { app in
            let (_, key) = try await app.createTenant()
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["url": "http://127.0.0.1:9000/hook"]])).status == .created)
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.slack(["config": ["webhook_url": "http://localhost:9001/slack"]])).status == .created)
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["config": ["url": "ftp://127.0.0.1/hook"]])), fields: ["config.url"])
        }
    }

    @Test("email: a to list of addresses is accepted, trimmed, and can replace to_owner")
    func emailToList() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/channels", key: key, json: Self.email(["config": ["to": ["a@example.com", " b@example.com "]]]))
            #expect(response.status == .created, "\(response.text)")
            if response.status == .created {
                let list = try response.json()
                expectRecord(list, keys: Self.keys)
                #expect(list["config"] as? [String: [String]] == ["to": ["a@example.com", "b@example.com"]])
            }
            let owner = try #require(try await app.create("/v1/channels", key: key, json: Self.email())["id"] as? String)
            let switched = try await app.patch("/v1/channels/\(owner)", key: key, ["config": ["to": ["sales@example.com"]]])
            #expect(switched.status == .ok, "\(switched.text)")
            #expect(try await app.get("/v1/channels/\(owner)", key: key)["config"] as? [String: [String]] == ["to": ["sales@example.com"]])
        }
    }

    @Test("email: to list and to_owner together, or neither, are refused; each bad address reported")
    func emailRecipients() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let mail = try await app.request(.post, "/v1/channels", key: key, json: Self.email(["name": " ", "config": ["to": ["bad", "ok@example.com", "x@"]]]))
            try expectValidation(mail, fields: ["name", "config.to[0]", "config.to[2]"])
            let cases: [([String: Any], [String])] = [
                (["to": ["a@example.com"], "to_owner": true], ["config"]),
                ([:], ["config"]),
                (["to": []], ["config"]),
                (["to": [], "to_owner": false], ["config"]),
                (["to_owner": false], ["config"]),
                (["to": ["a@example.com", "nope", "b@example.com", "c@"]], ["config.to[1]", "config.to[3]"]),
                (["to": (0..<21).map { "user\($0)@example.com" }], ["config.to"]),
            ]
            for (config, fields) in cases {
                try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.email(["config": config])), fields: fields)
            }
            #expect(try await app.listIDs("/v1/channels", key: key).isEmpty)
            let twenty = (0..<20).map { "user\($0)@example.com" }
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.email(["config": ["to": twenty]])).status == .created)
            #expect(try await app.request(.post, "/v1/channels", key: key, json: Self.email(["config": ["to": ["a@example.com"], "to_owner": false]])).status == .created)
        }
    }

    @Test("events: at least one, each a known type, the unknown one named by index")
    func events() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["events": ["lead.assigned", "lead.exploded"]])), fields: ["events[1]"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["events": ["LEAD.ASSIGNED"]])), fields: ["events[0]"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["events": []])), fields: ["events"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key,
                                                       json: #"{"name":"Hook","type":"webhook","config":{"url":"https://example.com"}}"#), fields: ["events"])
            #expect(try await app.listIDs("/v1/channels", key: key).isEmpty)
            let all = ["lead.assigned", "lead.unassigned", "sla.warning", "sla.breached", "lead.escalated", "lead.responded"]
            let created = try await app.create("/v1/channels", key: key, json: Self.webhook(["events": all]))
            #expect(created["events"] as? [String] == all)
            let id = try #require(created["id"] as? String)
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["events": ["sla.breached", "sla.ignored"]]), fields: ["events[1]"])
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["events": []]), fields: ["events"])
            #expect(try await app.get("/v1/channels/\(id)", key: key)["events"] as? [String] == all)
        }
    }

    @Test("type: one of slack, webhook, email, and it cannot change")
    func type() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try expectValidation(try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["type": "sms"])), fields: ["type"])
            try expectValidation(try await app.request(.post, "/v1/channels", key: key,
                                                       json: #"{"name":"Hook","config":{"url":"https://example.com"},"events":["lead.assigned"]}"#), fields: ["type"])
            let hook = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)
            let before = try await app.get("/v1/channels/\(hook)", key: key)
            let change = try await app.patch("/v1/channels/\(hook)", key: key, ["type": "slack", "config": ["webhook_url": "https://hooks.slack.com/x"]])
            try expectValidation(change, fields: ["type"], exactly: false)
            try expectValidation(try await app.patch("/v1/channels/\(hook)", key: key, ["type": "email"]), fields: ["type"], exactly: false)
            try expectValidation(try await app.patch("/v1/channels/\(hook)", key: key, ["type": NSNull()]), fields: ["type"])
            #expect(jsonBody(try await app.get("/v1/channels/\(hook)", key: key)) == jsonBody(before))
            // Naming the same type is fine.
            let same = try await app.patch("/v1/channels/\(hook)", key: key, ["type": "webhook", "name": "Same"])
            #expect(same.status == .ok, "\(same.text)")
            #expect(try same.json()["type"] as? String == "webhook")
        }
    }

    @Test("every problem with a body is reported at once, in one 422")
    func allErrorsAtOnce() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let hook = try await app.request(.post, "/v1/channels", key: key, json: Self.webhook(["name": "", "config": ["url": "http://example.com"], "events": []]))
            try expectValidation(hook, fields: ["name", "config.url", "events"])
            let mail = try await app.request(.post, "/v1/channels", key: key, json: Self.email(["name": " ", "config": ["to_owner": true, "to": ["a@example.com"]], "events": []]))
            try expectValidation(mail, fields: ["name", "config", "events"])
            #expect(try await app.listIDs("/v1/channels", key: key).isEmpty)
        }
    }

    @Test("an unknown event type is reported together with the other errors")
    func unknownEventWithOtherErrors() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.post, "/v1/channels", key: key, json: Self.webhook([
                "name": "", "config": ["url": "http://example.com"], "events": ["lead.assigned", "lead.exploded"],
            ]))
            try expectValidation(response, fields: ["name", "config.url", "events[1]"])
        }
    }

    @Test("PATCH: config is replaced whole and validated; null on required fields is 422; active toggles")
    func mergePatch() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/channels", key: key, json: Self.webhook())
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            let before = try await app.get("/v1/channels/\(id)", key: key)

            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["config": ["url": "http://example.com"]]), fields: ["config.url"])
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["config": NSNull()]), fields: ["config"])
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["events": NSNull()]), fields: ["events"])
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["name": NSNull()]), fields: ["name"])
            try expectValidation(try await app.patch("/v1/channels/\(id)", key: key, ["name": "", "config": ["url": "ftp://x.example.com"]]), fields: ["name", "config.url"])
            #expect(jsonBody(try await app.get("/v1/channels/\(id)", key: key)) == jsonBody(before), "refused patches change nothing")

            let moved = try await app.patch("/v1/channels/\(id)", key: key, ["config": ["url": "https://new.example.com/h"], "active": false])
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try moved.json()["config"] as? [String: String] == ["url": "https://new.example.com/h"])
            #expect(try moved.json()["active"] as? Bool == false)
            #expect(try moved.json()["events"] as? [String] == ["lead.assigned"])
            #expect(try await Self.storedSecret(app, id) == secret, "changing the URL keeps the secret; rotation is explicit")

            let mail = try #require(try await app.create("/v1/channels", key: key, json: Self.email())["id"] as? String)
            try expectValidation(try await app.patch("/v1/channels/\(mail)", key: key, ["config": ["to": ["x@example.com"], "to_owner": true]]), fields: ["config"])
            try expectValidation(try await app.patch("/v1/channels/\(mail)", key: key, ["config": [:]]), fields: ["config"])
            #expect(try await app.get("/v1/channels/\(mail)", key: key)["config"] as? [String: Bool] == ["to_owner": true])
        }
    }

    @Test("rotate-secret: a new whsec_ secret each time, shown once, with when the old one stops signing; the stored secret changes")
    func rotateSecret() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/channels", key: key, json: Self.webhook())
            let id = try #require(created["id"] as? String)
            let original = try #require(created["secret"] as? String)

            let first = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key)
            #expect(first.status == .ok, "\(first.text)")
            let rotated = try first.json()
            expectRecord(rotated, keys: Self.keys + ["secret", "previous_secret_expires_at"])
            #expect(isRFC3339Millis(rotated["previous_secret_expires_at"]))
            let secret1 = try #require(rotated["secret"] as? String)
            #expect(secret1.hasPrefix("whsec_"))
            #expect(secret1 != original)
            #expect(rotated["id"] as? String == id)
            #expect(rotated["created_at"] as? String == created["created_at"] as? String)
            #expect(try await Self.storedSecret(app, id) == secret1)

            let second = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key)
            let secret2 = try #require(try second.json()["secret"] as? String)
            #expect(secret2 != secret1 && secret2 != original)
            #expect(try await Self.storedSecret(app, id) == secret2)

            let get = try await app.request(.get, "/v1/channels/\(id)", key: key)
            #expect(!get.text.contains("whsec_") && !get.text.contains("secret"))
            let list = try await app.request(.get, "/v1/channels", key: key)
            #expect(!list.text.contains("whsec_"))
        }
    }

    @Test("rotate-secret with an Idempotency-Key rotates once and replays the same secret")
    func rotateSecretIdempotent() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)
            let headers: HTTPFields = [idempotencyKey: "rotate-1"]
            let first = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key, headers: headers)
            let again = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key, headers: headers)
            #expect(first.status == .ok)
            #expect(again.status == .ok)
            #expect(again.headers[idempotentReplayed] == "true")
            #expect(again.text == first.text)
            #expect(try await Self.storedSecret(app, id) == (try first.json()["secret"] as? String), "rotated once")
        }
    }

    @Test("rotate-secret on a Slack or email channel is a 409 that changes nothing")
    func rotateSecretOtherTypes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            for body in [Self.slack(), Self.email()] {
                let id = try #require(try await app.create("/v1/channels", key: key, json: body)["id"] as? String)
                let before = try await app.get("/v1/channels/\(id)", key: key)
                let response = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key)
                expectProblem(response, .conflict)
                #expect(!response.text.contains("whsec_"))
                #expect(jsonBody(try await app.get("/v1/channels/\(id)", key: key)) == jsonBody(before), "updated_at moved on a refused rotation")
                #expect(try await Self.storedSecret(app, id) == nil, "a refused rotation stored a secret on a \(before["type"] ?? "") channel")
            }
        }
    }

    @Test("rotate-secret: unknown or another tenant's channel is 404; read and ingest keys are 403")
    func rotateSecretAccess() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let created = try await app.create("/v1/channels", key: key, json: Self.webhook())
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            expectProblem(try await app.request(.post, "/v1/channels/\(unknownID())/rotate-secret", key: key), .notFound, slug: "not-found")
            try expectValidation(try await app.request(.post, "/v1/channels/not-a-uuid/rotate-secret", key: key), fields: ["id"])
            let foreign = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: other)
            expectProblem(foreign, .notFound, slug: "not-found")
            #expect(!foreign.text.contains("whsec_"))
            let (_, reader) = try await app.createKey(adminKey: key, scopes: ["read"])
            let (_, ingest) = try await app.createKey(adminKey: key, scopes: ["ingest"])
            expectProblem(try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: reader), .forbidden, slug: "forbidden")
            expectProblem(try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: ingest), .forbidden, slug: "forbidden")
            #expect(try await Self.storedSecret(app, id) == secret, "no refused call rotated the secret")
        }
    }

    @Test("filters: type and active, alone, together and across pages")
    func filters() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let hook1 = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)
            let slack = try #require(try await app.create("/v1/channels", key: key, json: Self.slack())["id"] as? String)
            let hook2 = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook(["active": false]))["id"] as? String)
            let mail = try #require(try await app.create("/v1/channels", key: key, json: Self.email(["active": false]))["id"] as? String)
            let hook3 = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)

            #expect(try await app.listIDs("/v1/channels?type=webhook", key: key) == [hook1, hook2, hook3])
            #expect(try await app.listIDs("/v1/channels?type=slack", key: key) == [slack])
            #expect(try await app.listIDs("/v1/channels?type=email", key: key) == [mail])
            #expect(try await app.listIDs("/v1/channels?active=false", key: key) == [hook2, mail])
            #expect(try await app.listIDs("/v1/channels?active=true", key: key) == [hook1, slack, hook3])
            #expect(try await app.listIDs("/v1/channels?type=webhook&active=true", key: key) == [hook1, hook3])
            #expect(try await app.listIDs("/v1/channels?type=email&active=true", key: key) == [])
            let (paged, pages) = try await app.listAll("/v1/channels?type=webhook", key: key, limit: 2)
            #expect(paged.compactMap { $0["id"] as? String } == [hook1, hook2, hook3])
            #expect(pages == 2)
            #expect(paged.allSatisfy { $0["secret"] == nil })
        }
    }

    @Test("GET, PATCH and DELETE of another tenant's channel are 404")
    func foreignIDs() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant("A")
            let (_, other) = try await app.createTenant("B")
            let id = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)
            try await ConfigChecks.foreignIDIsNotFound(app, owner: key, other: other, collection: "/v1/channels", id: id,
                                                       patchBody: #"{"config":{"url":"https://attacker.example.com"}}"#)
        }
    }

    @Test("pagination walks every channel once, oldest first; bad limit and cursor are 422")
    func pagination() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.pagination(app, key: key, collection: "/v1/channels") { index in
                let body = index % 2 == 0 ? Self.webhook(["name": "Hook \(index)"]) : Self.email(["name": "Mail \(index)"])
                return try #require(try await app.create("/v1/channels", key: key, json: body)["id"] as? String)
            }
        }
    }

    @Test("Idempotency-Key: the replay carries the same secret; another body is 409")
    func idempotency() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try await ConfigChecks.idempotency(app, key: key, collection: "/v1/channels", body: Self.webhook(), otherBody: Self.webhook(["name": "Other"]))
            let headers: HTTPFields = [idempotencyKey: "hook-2"]
            let first = try await app.request(.post, "/v1/channels", key: key, json: Self.slack(), headers: headers)
            let again = try await app.request(.post, "/v1/channels", key: key, json: Self.slack(), headers: headers)
            #expect(first.status == .created && again.status == .created)
            #expect(again.text == first.text)
        }
    }

    @Test("scopes: read may GET only; ingest may not touch channels")
    func scopes() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let id = try #require(try await app.create("/v1/channels", key: key, json: Self.webhook())["id"] as? String)
            try await ConfigChecks.scopes(app, admin: key, collection: "/v1/channels", id: id, createBody: Self.webhook(), patchBody: #"{"active":false}"#)
        }
    }

    /// The whole channel row as text, read past RLS on a superuser connection.
    static func storedRow(_ app: TestApp, _ id: String) async throws -> String {
        let uuid = try #require(UUID(uuidString: id))
        let rows = try await app.database.client.query("SELECT c::text FROM channels c WHERE id = \(uuid)", logger: TestDatabase.logger).collect()
        return try #require(try rows.first?.decode(String.self))
    }

    @Test("the database never holds a webhook signing secret, neither on create nor after rotation")
    func signingSecretsAreEncryptedAtRest() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let created = try await app.create("/v1/channels", key: key, json: Self.webhook())
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            let keyPart = String(secret.dropFirst("whsec_".count))
            let row = try await Self.storedRow(app, id)
            #expect(!row.contains(secret) && !row.contains(keyPart), "the channel row holds the signing secret: \(row)")

            let rotated = try await app.request(.post, "/v1/channels/\(id)/rotate-secret", key: key)
            let secret2 = try #require(try rotated.json()["secret"] as? String)
            let row2 = try await Self.storedRow(app, id)
            #expect(!row2.contains(secret2) && !row2.contains(String(secret2.dropFirst("whsec_".count))))
            #expect(row2 != row, "rotation stored a new value")
        }
    }

    @Test("a read key sees Slack webhook URLs and webhook URL credentials masked; an admin key sees them whole")
    func readKeysSeeMaskedTargets() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let (_, read) = try await app.createKey(adminKey: admin, scopes: ["read"])
            let slackURL = "https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tt0ken"
            let hookURL = "https://user:p4ssw0rd@crm.example.com/hooks/handoff?token=t0k3n"
            let slack = try await app.createID("/v1/channels", key: admin, [
                "name": "Sales", "type": "slack", "config": ["webhook_url": slackURL], "events": ["sla.breached"],
            ])
            let hook = try await app.createID("/v1/channels", key: admin, [
                "name": "CRM", "type": "webhook", "config": ["url": hookURL], "events": ["lead.assigned"],
            ])
            for path in ["/v1/channels", "/v1/channels/\(slack)", "/v1/channels/\(hook)"] {
                let response = try await app.request(.get, path, key: read)
                #expect(response.status == .ok)
                for hidden in ["s3cr3tt0ken", "T0AAA", "p4ssw0rd", "user:", "t0k3n"] {
                    #expect(!response.text.contains(hidden), "a read key sees \(hidden) in \(path): \(response.text)")
                }
            }
            let masked = try await app.get("/v1/channels/\(slack)", key: read)
            #expect((masked["config"] as? [String: Any])?["webhook_url"] as? String == "https://hooks.slack.com/***")
            let maskedHook = try await app.get("/v1/channels/\(hook)", key: read)
            #expect((maskedHook["config"] as? [String: Any])?["url"] as? String == "https://crm.example.com/***")

            #expect((try await app.get("/v1/channels/\(slack)", key: admin)["config"] as? [String: Any])?["webhook_url"] as? String == slackURL)
            #expect((try await app.get("/v1/channels/\(hook)", key: admin)["config"] as? [String: Any])?["url"] as? String == hookURL)
        }
    }
}
