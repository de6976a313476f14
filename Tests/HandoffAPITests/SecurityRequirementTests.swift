@testable import HandoffTestSupport
import Foundation
import HandoffOpenAPI
import HummingbirdTesting
import Testing
import Yams

/// Each operation's `security` in the served document is the contract an
/// admin UI builds its buttons from: every principal it lists gets past the
/// scope check, and every one it does not list gets a 403.
@Suite struct SecurityRequirementTests {
    struct Operation: CustomStringConvertible {
        var method: String
        var path: String
        var principals: Set<String>
        var hasBody: Bool
        var description: String { "\(method.uppercased()) \(path)" }
    }

    static func operations() throws -> [Operation] {
        let document = try #require(try Yams.load(yaml: String(decoding: try OpenAPIDocument.yaml(), as: UTF8.self)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [Operation] = []
        for (path, item) in paths where path.hasPrefix("/v1/") {
            for method in ["get", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let security = try #require(operation["security"] as? [[String: [String]]], "\(method) \(path) declares no security")
                var principals: Set<String> = []
                for requirement in security {
                    if requirement["operatorKey"] != nil { principals.insert("operator") }
                    for scope in requirement["tenantKey"] ?? [] { principals.insert(scope) }
                }
                operations.append(Operation(method: method, path: path, principals: principals, hasBody: operation["requestBody"] != nil))
            }
        }
        return operations.sorted { $0.description < $1.description }
    }

    @Test("every /v1 operation declares who may call it, and the API lets exactly those through")
    func declaredSecurityIsEnforced() async throws {
        let operations = try Self.operations()
        #expect(operations.count > 50)
        try await TestApp.run { app in
            let (_, admin) = try await app.createTenant()
            let keys = [
                "operator": TestApp.operatorKey,
                "admin": admin,
                "read": try await app.createKey(adminKey: admin, scopes: ["read"]).secret,
                "ingest": try await app.createKey(adminKey: admin, scopes: ["ingest"]).secret,
            ]
            for operation in operations {
                // Another tenant's (or no) resource: whoever may call it learns only 404 or 422.
                let uri = operation.path.replacingOccurrences(of: "{id}", with: unknownID())
                for (principal, key) in keys.sorted(by: { $0.key < $1.key }) {
                    let response = try await app.request(
                        .init(operation.method.uppercased())!, uri, key: key, json: operation.hasBody ? "{}" : nil
                    )
                    if operation.principals.contains(principal) {
                        #expect(response.status != .forbidden, "\(operation) lists \(principal) but refused it: \(response.text)")
                        #expect(response.status != .unauthorized, "\(operation) with \(principal): \(response.text)")
                    } else {
                        #expect(response.status == .forbidden, "\(operation) does not list \(principal) but answered \(response.status): \(response.text)")
                    }
                }
            }
        }
    }
}
