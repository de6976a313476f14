import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

// Shared helpers for the configuration API tests: builders that create a valid
// resource of each kind and return its id, list walkers, and assertions for the
// shapes every configuration endpoint shares (problems, records, pages).

/// A JSON body from a dictionary; use `NSNull()` for an explicit null. Keys are
/// sorted, so the same dictionary always gives the same bytes (idempotency).
func jsonBody(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

/// Any JSON value as canonical text (sorted keys), for comparing parsed bodies.
func canonicalJSON(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) else {
        return "<not JSON: \(value)>"
    }
    return String(decoding: data, as: UTF8.self)
}

/// A random lowercase UUID no tenant has.
func unknownID() -> String { UUID().uuidString.lowercased() }

let idempotencyKey = HTTPField.Name("Idempotency-Key")!
let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!

/// `2026-11-26T09:00:00.123Z`: RFC 3339, UTC, milliseconds (PRODUCT.md).
func isRFC3339Millis(_ value: Any?) -> Bool {
    guard let text = value as? String else { return false }
    return text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil
}

func isLowercaseUUID(_ value: Any?) -> Bool {
    guard let text = value as? String, let id = UUID(uuidString: text) else { return false }
    return text == id.uuidString.lowercased()
}

extension TestResponse {
    /// The problem's `errors`, as (field, message) pairs in the order sent.
    func fieldErrors() throws -> [(field: String, message: String)] {
        let errors = try json()["errors"] as? [[String: Any]] ?? []
        return errors.map { ($0["field"] as? String ?? "", $0["message"] as? String ?? "") }
    }

    /// The message of the first error at `field`.
    func message(at field: String) throws -> String? {
        try fieldErrors().first { $0.field == field }?.message
    }

    var isProblem: Bool { headers[.contentType] == "application/problem+json" }
}

/// A 422 validation problem whose errors name exactly `fields` (as a set), or at
/// least them when `exactly` is false.
func expectValidation(
    _ response: TestResponse, fields: [String], exactly: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == .unprocessableContent, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.isProblem, "content type \(response.headers[.contentType] ?? "none")", sourceLocation: sourceLocation)
    let body = (try? response.json()) ?? [:]
    #expect(body["type"] as? String == "https://handoff.dev/problems/validation", "\(response.text)", sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == 422, sourceLocation: sourceLocation)
    let seen = Set(try response.fieldErrors().map(\.field))
    if exactly {
        #expect(seen == Set(fields), "expected errors at \(fields.sorted()), got \(response.text)", sourceLocation: sourceLocation)
    } else {
        #expect(Set(fields).isSubset(of: seen), "expected errors at \(fields.sorted()), got \(response.text)", sourceLocation: sourceLocation)
    }
}

/// A problem+json with this status and (optionally) this `type` slug.
func expectProblem(
    _ response: TestResponse, _ status: HTTPResponse.Status, slug: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.isProblem, "content type \(response.headers[.contentType] ?? "none")", sourceLocation: sourceLocation)
    if let slug {
        let type = (try? response.json())?["type"] as? String
        #expect(type == "https://handoff.dev/problems/\(slug)", "\(response.text)", sourceLocation: sourceLocation)
    }
}

/// A record as the API returns it: exactly `keys` (snake_case, nulls written
/// out), a lowercase id, and RFC 3339 millisecond timestamps.
func expectRecord(_ body: [String: Any], keys: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(body.keys) == Set(keys), "keys \(body.keys.sorted()) != \(keys.sorted())", sourceLocation: sourceLocation)
    #expect(isLowercaseUUID(body["id"]), "id \(String(describing: body["id"]))", sourceLocation: sourceLocation)
    #expect(isRFC3339Millis(body["created_at"]), "created_at \(String(describing: body["created_at"]))", sourceLocation: sourceLocation)
    #expect(isRFC3339Millis(body["updated_at"]), "updated_at \(String(describing: body["updated_at"]))", sourceLocation: sourceLocation)
    for key in body.keys {
        #expect(key == key.lowercased() && !key.contains("-"), "\(key) is not snake_case", sourceLocation: sourceLocation)
    }
}

extension TestApp {
    /// POST expecting 201; the created body.
    @discardableResult
    func create(_ path: String, key: String, json: String) async throws -> [String: Any] {
        let response = try await request(.post, path, key: key, json: json)
        guard response.status == .created else { throw TestFailure("POST \(path) answered \(response.status): \(response.text)") }
        return try response.json()
    }

    /// POST expecting 201; the new id.
    func createID(_ path: String, key: String, _ object: [String: Any]) async throws -> String {
        let body = try await create(path, key: key, json: jsonBody(object))
        guard let id = body["id"] as? String else { throw TestFailure("POST \(path) returned no id: \(body)") }
        return id
    }

    /// GET expecting 200; the body.
    func get(_ path: String, key: String) async throws -> [String: Any] {
        let response = try await request(.get, path, key: key)
        guard response.status == .ok else { throw TestFailure("GET \(path) answered \(response.status): \(response.text)") }
        return try response.json()
    }

    /// PATCH a JSON object.
    func patch(_ path: String, key: String, _ object: [String: Any]) async throws -> TestResponse {
        try await request(.patch, path, key: key, json: jsonBody(object))
    }

    /// One page's items (`limit` 200 unless the path sets it).
    func list(_ path: String, key: String) async throws -> [[String: Any]] {
        let separator = path.contains("?") ? "&" : "?"
        let body = try await get(path.contains("limit=") ? path : "\(path)\(separator)limit=200", key: key)
        return body["data"] as? [[String: Any]] ?? []
    }

    /// The ids of one page, in order.
    func listIDs(_ path: String, key: String) async throws -> [String] {
        try await list(path, key: key).compactMap { $0["id"] as? String }
    }

    /// Every item of a collection, following `next_cursor` until it is null.
    func listAll(_ path: String, key: String, limit: Int) async throws -> (items: [[String: Any]], pages: Int) {
        var items: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        let separator = path.contains("?") ? "&" : "?"
        repeat {
            var uri = "\(path)\(separator)limit=\(limit)"
            if let cursor { uri += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)" }
            let body = try await get(uri, key: key)
            guard body.keys.contains("next_cursor") else { throw TestFailure("no next_cursor key in \(body)") }
            let page = body["data"] as? [[String: Any]] ?? []
            if page.count > limit { throw TestFailure("a page of \(page.count) for limit \(limit)") }
            items += page
            cursor = body["next_cursor"] as? String
            pages += 1
            if pages > 100 { throw TestFailure("pagination does not end") }
        } while cursor != nil
        return (items, pages)
    }

    // MARK: - Valid resources

    func createCalendar(key: String, name: String = "Berlin office") async throws -> String {
        try await createID("/v1/calendars", key: key, [
            "name": name, "timezone": "Europe/Berlin",
            "hours": [["day": "mon", "start": "09:00", "end": "17:00"], ["day": "tue", "start": "09:00", "end": "17:00"]],
            "holidays": ["2026-12-25"],
        ])
    }

    func createOwner(key: String, name: String = "Ana", email: String? = nil, extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "email": email ?? "\(name.lowercased().filter(\.isLetter))@example.com"]
        body.merge(extra) { _, new in new }
        return try await createID("/v1/owners", key: key, body)
    }

    func createTeam(key: String, name: String = "SDR", members: [String] = [], weights: [String: Int] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "member_ids": members]
        if !weights.isEmpty { body["weights"] = weights }
        return try await createID("/v1/teams", key: key, body)
    }

    func createPolicy(key: String, name: String = "5 min", extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "target_seconds": 300]
        body.merge(extra) { _, new in new }
        return try await createID("/v1/sla-policies", key: key, body)
    }

    func createFunnel(key: String, name: String = "Demo", policyID: String, extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "qualify_min_score": 80, "sla_policy_id": policyID]
        body.merge(extra) { _, new in new }
        return try await createID("/v1/funnels", key: key, body)
    }

    /// A round-robin rule into `teamID`.
    func createRule(key: String, name: String = "All", teamID: String, position: Int = 10, extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "position": position, "assign": ["strategy": "round_robin", "team_id": teamID]]
        body.merge(extra) { _, new in new }
        return try await createID("/v1/routing-rules", key: key, body)
    }

    /// A webhook channel; returns the created body (with `secret`).
    @discardableResult
    func createWebhook(key: String, name: String = "Hook", url: String = "https://example.com/hooks/handoff",
                       events: [String] = ["lead.assigned"]) async throws -> [String: Any] {
        try await create("/v1/channels", key: key, json: jsonBody(["name": name, "type": "webhook", "config": ["url": url], "events": events]))
    }

    /// Policy → funnel, the chain many resources need.
    func createFunnelChain(key: String) async throws -> (policy: String, funnel: String) {
        let policy = try await createPolicy(key: key)
        return (policy, try await createFunnel(key: key, policyID: policy))
    }
}

// MARK: - Checks every resource shares

enum ConfigChecks {
    /// A `read` key can list and get but not write; an `ingest` key can do
    /// nothing here. Nothing changes through the refused calls.
    static func scopes(
        _ app: TestApp, admin: String, collection: String, id: String, createBody: String, patchBody: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let (_, reader) = try await app.createKey(adminKey: admin, scopes: ["read"], name: "reader")
        let (_, ingest) = try await app.createKey(adminKey: admin, scopes: ["ingest"], name: "ingest")
        let before = try await app.get("\(collection)/\(id)", key: admin)
        let countBefore = try await app.list(collection, key: admin).count

        #expect(try await app.request(.get, collection, key: reader).status == .ok, sourceLocation: sourceLocation)
        #expect(try await app.request(.get, "\(collection)/\(id)", key: reader).status == .ok, sourceLocation: sourceLocation)
        expectProblem(try await app.request(.post, collection, key: reader, json: createBody), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.patch, "\(collection)/\(id)", key: reader, json: patchBody), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.delete, "\(collection)/\(id)", key: reader), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)

        expectProblem(try await app.request(.get, collection, key: ingest), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.get, "\(collection)/\(id)", key: ingest), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.post, collection, key: ingest, json: createBody), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.patch, "\(collection)/\(id)", key: ingest, json: patchBody), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.delete, "\(collection)/\(id)", key: ingest), .forbidden, slug: "forbidden", sourceLocation: sourceLocation)

        let after = try await app.get("\(collection)/\(id)", key: admin)
        #expect(jsonBody(after) == jsonBody(before), "a refused call changed \(id)", sourceLocation: sourceLocation)
        #expect(try await app.list(collection, key: admin).count == countBefore, "a refused POST created something", sourceLocation: sourceLocation)
    }

    /// GET, PATCH and DELETE of another tenant's id are 404 exactly like an
    /// unknown id, and the record is untouched.
    static func foreignIDIsNotFound(
        _ app: TestApp, owner: String, other: String, collection: String, id: String, patchBody: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try await app.get("\(collection)/\(id)", key: owner)
        let unknown = try await app.request(.get, "\(collection)/\(unknownID())", key: other)
        expectProblem(unknown, .notFound, slug: "not-found", sourceLocation: sourceLocation)
        let get = try await app.request(.get, "\(collection)/\(id)", key: other)
        expectProblem(get, .notFound, slug: "not-found", sourceLocation: sourceLocation)
        #expect(get.text == unknown.text, "another tenant's id answers differently from an unknown one", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.patch, "\(collection)/\(id)", key: other, json: patchBody), .notFound, slug: "not-found", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.delete, "\(collection)/\(id)", key: other), .notFound, slug: "not-found", sourceLocation: sourceLocation)
        #expect(try await app.listIDs(collection, key: other).contains(id) == false, sourceLocation: sourceLocation)
        let after = try await app.get("\(collection)/\(id)", key: owner)
        #expect(jsonBody(after) == jsonBody(before), "another tenant changed \(id)", sourceLocation: sourceLocation)
        // An id that is not a UUID is a 422 naming `id`, as every malformed parameter is.
        try expectValidation(try await app.request(.get, "\(collection)/not-a-uuid", key: owner), fields: ["id"], sourceLocation: sourceLocation)
        expectProblem(try await app.request(.delete, "\(collection)/\(unknownID())", key: owner), .notFound, sourceLocation: sourceLocation)
    }

    /// Same key and body: the first response again, marked replayed, nothing
    /// new; same key with another body: 409 and nothing new.
    static func idempotency(
        _ app: TestApp, key: String, collection: String, body: String, otherBody: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let countBefore = try await app.list(collection, key: key).count
        let headers: HTTPFields = [idempotencyKey: "create-\(collection)"]
        let first = try await app.request(.post, collection, key: key, json: body, headers: headers)
        #expect(first.status == .created, "\(first.text)", sourceLocation: sourceLocation)
        #expect(first.headers[idempotentReplayed] == nil, sourceLocation: sourceLocation)
        let again = try await app.request(.post, collection, key: key, json: body, headers: headers)
        #expect(again.status == .created, "\(again.text)", sourceLocation: sourceLocation)
        #expect(again.headers[idempotentReplayed] == "true", sourceLocation: sourceLocation)
        #expect(try again.json()["id"] as? String == (try first.json()["id"] as? String), sourceLocation: sourceLocation)
        #expect(again.text == first.text, sourceLocation: sourceLocation)
        #expect(try await app.list(collection, key: key).count == countBefore + 1, "the replay created another record", sourceLocation: sourceLocation)

        let mismatch = try await app.request(.post, collection, key: key, json: otherBody, headers: headers)
        expectProblem(mismatch, .conflict, sourceLocation: sourceLocation)
        #expect(try await app.list(collection, key: key).count == countBefore + 1, "the mismatched body created a record", sourceLocation: sourceLocation)

        // Without the header, the same body is simply another record.
        let plain = try await app.request(.post, collection, key: key, json: body)
        #expect(plain.status == .created, sourceLocation: sourceLocation)
        #expect(try plain.json()["id"] as? String != (try first.json()["id"] as? String), sourceLocation: sourceLocation)
    }

    /// `count` records made by `make`, listed two at a time: every one exactly
    /// once, in creation order, over several pages; bad paging parameters are 422.
    static func pagination(
        _ app: TestApp, key: String, collection: String, existing: Int = 0, count: Int = 5,
        make: (Int) async throws -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var created: [String] = []
        for index in 0..<count { created.append(try await make(index)) }
        let (items, pages) = try await app.listAll(collection, key: key, limit: 2)
        let ids = items.compactMap { $0["id"] as? String }
        let listed = ids.filter(created.contains)
        #expect(listed == created, "created \(created), listed \(ids)", sourceLocation: sourceLocation)
        #expect(ids.count == count + existing, sourceLocation: sourceLocation)
        #expect(Set(ids).count == ids.count, "an item appeared twice", sourceLocation: sourceLocation)
        #expect(pages == (count + existing + 1) / 2, sourceLocation: sourceLocation)
        #expect(ids == ids.sorted(), "not in id (creation) order", sourceLocation: sourceLocation)

        // The last page says so with an explicit null.
        let whole = try await app.request(.get, "\(collection)?limit=200", key: key)
        let wholeBody = try whole.json()
        #expect(wholeBody.keys.contains("next_cursor") && wholeBody["next_cursor"] is NSNull, "\(whole.text)", sourceLocation: sourceLocation)
        #expect(whole.text.contains(#""next_cursor":null"#), sourceLocation: sourceLocation)

        try expectValidation(try await app.request(.get, "\(collection)?limit=0", key: key), fields: ["limit"], sourceLocation: sourceLocation)
        try expectValidation(try await app.request(.get, "\(collection)?limit=201", key: key), fields: ["limit"], sourceLocation: sourceLocation)
        try expectValidation(try await app.request(.get, "\(collection)?cursor=not-a-cursor", key: key), fields: ["cursor"], sourceLocation: sourceLocation)
        // Valid base64, but not of an id.
        let bogus = Data("hello world".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        try expectValidation(try await app.request(.get, "\(collection)?cursor=\(bogus)", key: key), fields: ["cursor"], sourceLocation: sourceLocation)
    }

    /// A reference to another tenant's id fails at `field` with the same
    /// message as a reference to an id nobody has (ids aside), and nothing is
    /// written. `send` makes the request with the given id in the body.
    static func foreignReference(
        field: String, foreignID: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        send: (String) async throws -> TestResponse
    ) async throws {
        let unknown = unknownID()
        let unknownResponse = try await send(unknown)
        try expectValidation(unknownResponse, fields: [field], sourceLocation: sourceLocation)
        let foreignResponse = try await send(foreignID)
        try expectValidation(foreignResponse, fields: [field], sourceLocation: sourceLocation)
        let unknownMessage = try unknownResponse.message(at: field)?.replacingOccurrences(of: unknown, with: "<id>")
        let foreignMessage = try foreignResponse.message(at: field)?.replacingOccurrences(of: foreignID, with: "<id>")
        #expect(unknownMessage != nil, sourceLocation: sourceLocation)
        #expect(foreignMessage == unknownMessage, "another tenant's id is told apart from an unknown one", sourceLocation: sourceLocation)
        #expect(foreignResponse.text.replacingOccurrences(of: foreignID, with: "<id>") == unknownResponse.text.replacingOccurrences(of: unknown, with: "<id>"),
                sourceLocation: sourceLocation)
    }

    /// DELETE refused with 409 `still-referenced` naming `referrer`; the record is still there.
    static func deleteIsRefused(
        _ app: TestApp, key: String, path: String, naming referrer: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let response = try await app.request(.delete, path, key: key)
        expectProblem(response, .conflict, slug: "still-referenced", sourceLocation: sourceLocation)
        let detail = (try? response.json())?["detail"] as? String ?? ""
        #expect(detail.contains(referrer), "detail \(detail) does not name \(referrer)", sourceLocation: sourceLocation)
        #expect(try await app.request(.get, path, key: key).status == .ok, "refused delete removed \(path)", sourceLocation: sourceLocation)
    }

    /// DELETE answers 204 with no body, and the record is gone.
    static func deletes(_ app: TestApp, key: String, path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await app.request(.delete, path, key: key)
        #expect(response.status == .noContent, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.body.readableBytes == 0, sourceLocation: sourceLocation)
        expectProblem(try await app.request(.get, path, key: key), .notFound, slug: "not-found", sourceLocation: sourceLocation)
        expectProblem(try await app.request(.delete, path, key: key), .notFound, slug: "not-found", sourceLocation: sourceLocation)
    }
}
