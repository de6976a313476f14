@testable import HandoffTestSupport
import Foundation
@testable import HandoffAPI
import HandoffCore
import HandoffOpenAPI
import HummingbirdTesting
import Testing

/// Every query and path parameter the document declares, tried missing and
/// ill-typed against the running API: the answer is a 422 that names it.
@Suite struct ParameterValidationTests {
    static let table: ParameterTable = {
        try! ParameterTable(openAPIYAML: String(decoding: try! OpenAPIDocument.yaml(), as: UTF8.self))
    }()

    @Test func theTableReadsTheDocumentsParametersWithTheirReferencesResolved() throws {
        let listLeads = try #require(Self.table.operations.first { $0.operationID == "listLeads" })
        #expect(listLeads.parameters.map(\.name) == ["limit", "cursor", "sort", "status", "sla_state", "owner_id", "funnel_id", "created_after", "created_before", "external_id", "email"])
        let status = try #require(listLeads.parameters.first { $0.name == "status" })
        guard case .string(_, let allowed?, _, _) = status.kind else { Issue.record("status is not an enum: \(status.kind)"); return }
        #expect(allowed.contains("assigned"))
        #expect(listLeads.parameters.first { $0.name == "limit" }?.kind == .integer(minimum: 1, maximum: 200))

        let report = try #require(Self.table.operation(method: "GET", template: "/v1/reports/response-times"))
        #expect(report.parameters.filter(\.required).map(\.name) == ["from", "to", "group_by"])
        // A path-level parameter is every operation's.
        let deleteOwner = try #require(Self.table.operation(method: "DELETE", template: "/v1/owners/{id}"))
        #expect(deleteOwner.parameters == [ParameterRule(name: "id", location: .path, required: true, kind: .string(format: "uuid", allowed: nil, pattern: nil, maxLength: nil))])
        // Every operation the routes know has its entry.
        let routes = try RouteTable(openAPIYAML: String(decoding: try OpenAPIDocument.yaml(), as: UTF8.self))
        for route in routes.routes {
            for method in route.methods {
                #expect(Self.table.operation(method: method, template: route.template) != nil, "\(method) \(route.template)")
            }
        }
    }

    @Test func theIssuesExamplesNameTheirParameter() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            try expectFields(try await app.request(.get, "/v1/reports/response-times?group_by=owner", key: key), ["from", "to"])
            try expectFields(try await app.request(.get, "/v1/leads?status=bogus", key: key), ["status"])
            try expectFields(try await app.request(.get, "/v1/leads?stauts=assigned", key: key), ["stauts"])
            try expectFields(try await app.request(.get, "/v1/owners/not-an-id", key: key), ["id"])
            try expectFields(try await app.request(.get, "/v1/leads?limit=10&limit=20", key: key), ["limit"])
            // scripts/fuzz found a NUL in a free-text filter answered with a 500 (jsonb refuses it).
            try expectFields(try await app.request(.get, "/v1/owners?territory=D%00E", key: key), ["territory"])
        }
    }

    @Test func everyParameterOfEveryOperationIsNamedWhenMissingOrIllTyped() async throws {
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            var tried = 0
            for operation in Self.table.operations {
                for rule in operation.parameters {
                    var cases: [(label: String, path: String, query: [String])] = []
                    if rule.required, rule.location == .query {
                        cases.append(("missing", Self.path(operation, replacing: nil), Self.validQuery(operation, except: rule.name)))
                    }
                    if let bad = Self.illTyped(rule) {
                        switch rule.location {
                        case .query:
                            cases.append(("\(rule.name)=\(bad)", Self.path(operation, replacing: nil),
                                          Self.validQuery(operation, except: rule.name) + ["\(rule.name)=\(bad)"]))
                        case .path:
                            cases.append(("{\(rule.name)}=\(bad)", Self.path(operation, replacing: (rule.name, bad)), Self.validQuery(operation, except: nil)))
                        }
                    }
                    for (label, path, query) in cases {
                        let uri = query.isEmpty ? path : path + "?" + query.joined(separator: "&")
                        var response = try await app.request(.init(operation.method)!, uri, key: admin, json: "{}")
                        if response.status == .forbidden {
                            response = try await app.request(.init(operation.method)!, uri, key: TestApp.operatorKey, json: "{}")
                        }
                        try expectFields(response, [rule.name], "\(operation.operationID) \(label)")
                        tried += 1
                    }
                }
            }
            // Every list's limit, the report's five, the usage export's three, every {id}…
            #expect(tried > 60, "only \(tried) cases: did the walk read the document?")
        }
    }

    @Test func aValidQueryPassesThrough() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let response = try await app.request(.get, "/v1/leads?status=assigned&limit=5&created_after=2026-11-01T00:00:00Z&owner_id=0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01", key: key)
            #expect(response.status == .ok, "\(response.text)")
            let report = try await app.request(.get, "/v1/reports/response-times?from=2026-11-01T00:00:00%2B01:00&to=2026-11-02T00:00:00Z&group_by=owner", key: key)
            #expect(report.status == .ok, "\(report.text)")
        }
    }

    @Test func rulesJudgeValuesAsTheDocumentDeclaresThem() {
        let limit = ParameterRule(name: "limit", location: .query, required: false, kind: .integer(minimum: 1, maximum: 200))
        #expect(limit.fault(in: []) == nil)
        #expect(limit.fault(in: ["50"]) == nil)
        #expect(limit.fault(in: ["0"])?.message == "must be between 1 and 200")
        #expect(limit.fault(in: ["ten"])?.message == "must be an integer between 1 and 200")
        let period = ParameterRule(name: "period", location: .query, required: true,
                                   kind: .string(format: nil, allowed: nil, pattern: "^[0-9]{4}-[0-9]{2}$", maxLength: nil))
        #expect(period.fault(in: [])?.message == "is required")
        #expect(period.fault(in: ["2026-11"]) == nil)
        #expect(period.fault(in: ["2026-11-01"]) != nil)
        let flag = ParameterRule(name: "active", location: .query, required: false, kind: .boolean)
        #expect(flag.fault(in: ["true"]) == nil)
        #expect(flag.fault(in: ["yes"])?.message == "must be true or false")
        let day = ParameterRule(name: "from", location: .query, required: false, kind: .string(format: "date", allowed: nil, pattern: nil, maxLength: nil))
        #expect(day.fault(in: ["2026-02-29"]) != nil)
        #expect(day.fault(in: ["2028-02-29"]) == nil)
    }

    // MARK: - Building the requests

    static func illTyped(_ rule: ParameterRule) -> String? {
        switch rule.kind {
        case .integer: "many"
        case .number: "lots"
        case .boolean: "maybe"
        case .string(let format, let allowed, let pattern, _):
            if allowed != nil { "bogus" } else if format == "uuid" { "not-a-uuid" } else if format == "date-time" { "yesterday" }
            else if format == "date" { "2026-13-45" } else if pattern != nil { "bogus" } else { nil }
        }
    }

    static func valid(_ rule: ParameterRule) -> String {
        switch rule.kind {
        case .integer(let minimum, _): String(minimum ?? 1)
        case .number: "1"
        case .boolean: "true"
        case .string(let format, let allowed, let pattern, _):
            if let first = allowed?.first { first } else if format == "uuid" { UUID().uuidString.lowercased() }
            else if format == "date-time" { "2026-11-01T00:00:00Z" } else if format == "date" { "2026-11-01" }
            else if pattern != nil { "2026-11" } else { "x" }
        }
    }

    /// The operation's other required query parameters, validly given.
    static func validQuery(_ operation: ParameterTable.Operation, except name: String?) -> [String] {
        operation.parameters.filter { $0.location == .query && $0.required && $0.name != name }.map { "\($0.name)=\(valid($0))" }
    }

    static func path(_ operation: ParameterTable.Operation, replacing: (name: String, value: String)?) -> String {
        var path = operation.template
        for rule in operation.parameters where rule.location == .path {
            let value = rule.name == replacing?.name ? replacing!.value : valid(rule)
            path = path.replacingOccurrences(of: "{\(rule.name)}", with: value)
        }
        return path
    }
}

private func expectFields(_ response: TestResponse, _ fields: [String], _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status == .unprocessableContent, "\(label): \(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", "\(label)", sourceLocation: sourceLocation)
    let named = ((try? response.json()["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    for field in fields {
        #expect(named.contains(field), "\(label): \(field) not named in \(response.text)", sourceLocation: sourceLocation)
    }
}
