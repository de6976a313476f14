import Foundation
import HandoffCore
import HandoffStore
import Logging
import PostgresNIO

/// Real Postgres for tests: the schema is migrated once into a template
/// database, and every test gets its own copy (`CREATE DATABASE … TEMPLATE`),
/// dropped when it ends. Set HANDOFF_TEST_DATABASE_URL (scripts/test does) to
/// a superuser on a maintenance database.
enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "handoff.test")
        logger.logLevel = .warning
        return logger
    }()

    static var adminURL: String {
        ProcessInfo.processInfo.environment["HANDOFF_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"
    }

    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql", isDirectory: true)

    static func migrations() throws -> [Migration] {
        try Migrator.load(directory: migrationsDirectory)
    }

    static func configuration(database: String) throws -> PostgresClient.Configuration {
        var configuration = try DatabaseURL.configuration(adminURL)
        configuration.database = database
        return configuration
    }

    /// Runs SQL on the maintenance database, outside any transaction.
    static func admin(_ statements: [String]) async throws {
        try await PostgresClient.withRunning(try DatabaseURL.configuration(adminURL), logger: logger) { client in
            for statement in statements {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    static let templateName = "handoff_test_template_\(ProcessInfo.processInfo.processIdentifier)"

    /// The migrated template, made once per test process.
    static let template = Task<String, any Error> {
        try await admin(["DROP DATABASE IF EXISTS \(templateName) WITH (FORCE)", "CREATE DATABASE \(templateName)"])
        let all = try TestDatabase.migrations()
        _ = try await PostgresClient.withRunning(try configuration(database: templateName), logger: logger) { client in
            try await Migrator(client: client, migrations: all, logger: logger).migrate()
        }
        return templateName
    }

    /// A fresh, migrated database for the duration of `body`.
    /// Swift Testing starts every test at once; each running application holds
    /// a connection pool and listeners. Past a few at a time the server runs
    /// out of connections and the machine out of cores, and requests time out.
    static let running = TestGate(width: max(4, ProcessInfo.processInfo.activeProcessorCount * 3))

    static func withFreshDatabase<Result: Sendable>(
        migrated: Bool = true,
        _ body: @escaping @Sendable (String) async throws -> Result
    ) async throws -> Result {
        try await running.run { try await withFreshDatabaseNow(migrated: migrated, body) }
    }

    private static func withFreshDatabaseNow<Result: Sendable>(
        migrated: Bool,
        _ body: @escaping @Sendable (String) async throws -> Result
    ) async throws -> Result {
        let name = "handoff_test_\(UUID().uuidString.prefix(8).lowercased())"
        if migrated {
            let template = try await template.value
            // The template's last connection may still be closing; Postgres
            // refuses to copy a database someone is connected to.
            var attempt = 0
            while true {
                do {
                    try await admin(["CREATE DATABASE \(name) TEMPLATE \(template)"])
                    break
                } catch where attempt < 20 {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        } else {
            try await admin(["CREATE DATABASE \(name)"])
        }
        do {
            let result = try await body(name)
            try await admin(["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
            return result
        } catch {
            try? await admin(["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
            throw error
        }
    }
}
