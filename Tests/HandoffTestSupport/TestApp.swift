import Foundation
import HandoffAPI
import HandoffStore
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import Prometheus

/// The real application over HTTP on loopback, on its own fresh database.
struct TestApp {
    static let operatorKey = "op_test_operator_key"

    let client: any TestClientProtocol
    let database: Database
    let dependencies: APIDependencies

    static func run(
        rateLimit: RateLimit = .standard,
        allowPrivateTargets: Bool = false,
        clock: @escaping @Sendable () -> Date = Date.init,
        idleTimeout: Duration = .seconds(60),
        _ test: @escaping @Sendable (TestApp) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { name in
            let postgres = PostgresClient(configuration: try TestDatabase.configuration(database: name), backgroundLogger: TestDatabase.logger)
            let database = Database(client: postgres, logger: TestDatabase.logger)
            let dependencies = APIDependencies(
                database: database,
                migrator: Migrator(client: postgres, migrations: try TestDatabase.migrations(), logger: TestDatabase.logger),
                operatorKey: operatorKey,
                metrics: PrometheusCollectorRegistry(),
                allowPrivateTargets: allowPrivateTargets,
                rateLimit: rateLimit,
                idleTimeout: idleTimeout,
                clock: clock
            )
            let app = try HandoffApplication.build(
                dependencies,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                logger: TestDatabase.logger
            )
            try await app.test(.live) { client in
                try await test(TestApp(client: client, database: database, dependencies: dependencies))
            }
        }
    }

    /// Sends a request; `key` becomes `Authorization: Bearer key`.
    @discardableResult
    func request(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Creates a tenant through the API; returns its id and admin key.
    func createTenant(_ name: String = "Acme") async throws -> (id: String, adminKey: String) {
        let response = try await request(.post, "/v1/tenants", key: Self.operatorKey, json: #"{"name":"\#(name)"}"#)
        guard response.status == .created else { throw TestFailure("tenant create answered \(response.status): \(String(buffer: response.body))") }
        let body = try response.json()
        let tenant = body["tenant"] as? [String: Any]
        let key = body["api_key"] as? [String: Any]
        return (tenant?["id"] as? String ?? "", key?["secret"] as? String ?? "")
    }

    /// Creates a key with the given scopes in the tenant of `adminKey`; returns (id, secret).
    func createKey(adminKey: String, scopes: [String], name: String = "key") async throws -> (id: String, secret: String) {
        let scopesJSON = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let response = try await request(.post, "/v1/api-keys", key: adminKey, json: #"{"name":"\#(name)","scopes":[\#(scopesJSON)]}"#)
        guard response.status == .created else { throw TestFailure("key create answered \(response.status): \(String(buffer: response.body))") }
        let body = try response.json()
        return (body["id"] as? String ?? "", body["secret"] as? String ?? "")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    var text: String { String(buffer: body) }
}

import NIOFoundationCompat
