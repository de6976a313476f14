@testable import HandoffTestSupport
import Foundation
import HandoffAPI
import HandoffStore
import Hummingbird
import HummingbirdTesting
import NIOPosix
import PostgresNIO
import Prometheus
import Synchronization
import Testing

/// While no pooled connection can be had (the database is down, or every
/// connection stays busy) requests answer 503 problem+json with Retry-After
/// after the acquisition deadline instead of waiting; a transaction that has
/// its connection is never cut short by that deadline.
@Suite("Database unavailable: 503, not a wait")
struct DatabaseUnavailableTests {
    /// Short, so the tests are quick; what they prove does not depend on it.
    static let acquireTimeout: Duration = .milliseconds(300)

    @Test("every connection busy: a quick 503 problem+json with Retry-After; served again once one is free")
    func poolExhausted() async throws {
        try await TestDatabase.withFreshDatabase { name in
            var configuration = try TestDatabase.configuration(database: name)
            configuration.options.minimumConnections = 0
            configuration.options.maximumConnections = 1
            try await Self.withApp(configuration) { client, postgres in
                let (taken, tookIt) = AsyncStream.makeStream(of: Void.self)
                // Holds the pool's only connection; let go when cancelled, or after
                // 30 s at the latest, so a regression (a request that waits for the
                // connection) fails the test instead of hanging the suite.
                let holder = Task {
                    try await postgres.withConnection { _ in
                        tookIt.yield()
                        try? await Task.sleep(for: .seconds(30))
                    }
                }
                for await _ in taken { break }

                let refused = try await Self.listTenants(client)
                try Self.expectUnavailable(refused)

                holder.cancel()
                _ = await holder.result
                #expect(try await Self.listTenants(client).status == .ok)
            }
        }
    }

    @Test("nothing listens where the database should be: tenant endpoints and readyz answer 503 problem+json")
    func databaseDown() async throws {
        let configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: try await Self.closedPort(), username: "postgres", password: nil, database: "handoff", tls: .disable
        )
        try await Self.withApp(configuration) { client, _ in
            try Self.expectUnavailable(try await Self.listTenants(client))
            try Self.expectUnavailable(try await client.execute(uri: "/readyz", method: .get))
            // Still 503, not a hang, while the pool keeps failing to connect.
            try Self.expectUnavailable(try await Self.listTenants(client))
        }
    }

    @Test("a transaction that has its connection outlasts the acquisition deadline and commits")
    func startedTransactionIsNotCut() async throws {
        try await TestDatabase.withFreshDatabase { name in
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                // Open the pool's connection first, with the usual patience: under
                // a loaded test run, connecting alone can take longer than 50 ms,
                // and this test is about what happens once a transaction has one.
                _ = try await Database(client: client, logger: TestDatabase.logger).system { _ in }
                let database = Database(client: client, logger: TestDatabase.logger, acquireTimeout: .milliseconds(50))
                let value = try await database.system { connection in
                    try await connection.query("SELECT pg_sleep(0.4)", logger: TestDatabase.logger)
                    return 42
                }
                #expect(value == 42)
                // A body's own error is still the body's error, not "unavailable".
                struct Refusal: Error {}
                await #expect(throws: Refusal.self) {
                    try await database.system { _ in throw Refusal() }
                }
            }
        }
    }

    @Test("a query that is never answered on a connection the server closed is given up on: ConnectionLost, not a hang")
    func lostQueryIsAbandoned() async throws {
        try await TestDatabase.withFreshDatabase { name in
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                let database = Database(client: client, logger: TestDatabase.logger)
                let lost = LostQuery()
                // Should the wait not be given up on (a regression), answer it
                // after 10 s: the test then fails instead of hanging the suite.
                let rescue = Task {
                    try? await Task.sleep(for: .seconds(10))
                    lost.answer()
                }
                defer { rescue.cancel() }
                let started = ContinuousClock.now
                await #expect(throws: ConnectionLost.self) {
                    try await database.system { connection in
                        let backend = try await connection.query("SELECT pg_backend_pid()", logger: TestDatabase.logger)
                        var found: Int32 = 0
                        for try await (value,) in backend.decode((Int32,).self) { found = value }
                        let pid = found
                        // The server goes away (as in a restart) …
                        _ = try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { other in
                            try await other.query("SELECT pg_terminate_backend(\(pid))", logger: TestDatabase.logger)
                        }
                        // … and the next query is one postgres-nio drops: it never
                        // answers, not even to cancellation (vapor/postgres-nio#487).
                        await lost.wait()
                    }
                }
                let waited = ContinuousClock.now - started
                #expect(waited < .seconds(5), "given up about a second after the close, not waited out: \(waited)")
                #expect(lost.isWaiting, "the lost query itself is still unanswered: the caller was not held by it")
                lost.answer()
                // The pool goes on with another connection.
                let one = try await database.system { connection in
                    var one = 0
                    for try await (value,) in try await connection.query("SELECT 1", logger: TestDatabase.logger).decode((Int,).self) { one = value }
                    return one
                }
                #expect(one == 1)
            }
        }
    }

    // MARK: - Helpers

    static func listTenants(_ client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: "/v1/tenants", method: .get, headers: [.authorization: "Bearer \(TestApp.operatorKey)"])
    }

    static func expectUnavailable(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ProblemTests.expectProblem(response, .serviceUnavailable, sourceLocation: sourceLocation)
        #expect(response.headers[.retryAfter] != nil, sourceLocation: sourceLocation)
    }

    /// The API over HTTP on `configuration`'s pool, with `acquireTimeout`. Only
    /// the pool runs beside the server (no listeners: they would take
    /// connections of their own). Cancelled after 60 s: should a request wait
    /// for a connection that never comes, the test fails instead of hanging.
    static func withApp(
        _ configuration: PostgresClient.Configuration,
        _ body: @escaping @Sendable (any TestClientProtocol, PostgresClient) async throws -> Void
    ) async throws {
        let postgres = PostgresClient(configuration: configuration, backgroundLogger: TestDatabase.logger)
        let database = Database(client: postgres, logger: TestDatabase.logger, acquireTimeout: acquireTimeout)
        let dependencies = APIDependencies(
            database: database,
            migrator: Migrator(client: postgres, migrations: try TestDatabase.migrations(), logger: TestDatabase.logger),
            operatorKey: TestApp.operatorKey,
            metrics: PrometheusCollectorRegistry()
        )
        let app = Application(
            router: try HandoffApplication.router(dependencies),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: [postgres],
            logger: TestDatabase.logger
        )
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await app.test(.live) { client in try await body(client, postgres) }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            let finished = try await group.next()
            group.cancelAll()
            if finished != true { throw TestFailure("still running after 60 s: a request waited for a connection") }
        }
    }

    /// A loopback port nothing listens on (bound, then closed at once).
    static func closedPort() async throws -> Int {
        let socket = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = socket.localAddress?.port ?? 0
        try await socket.close().get()
        guard port > 0 else { throw TestFailure("no free port") }
        return port
    }
}

/// Stands in for a query postgres-nio lost: a wait that ignores cancellation
/// and ends only when the test answers it.
final class LostQuery: Sendable {
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)

    var isWaiting: Bool { waiter.withLock { $0 != nil } }

    func wait() async {
        await withCheckedContinuation { continuation in waiter.withLock { $0 = continuation } }
    }

    func answer() {
        waiter.withLock { waiter in
            waiter?.resume()
            waiter = nil
        }
    }
}
