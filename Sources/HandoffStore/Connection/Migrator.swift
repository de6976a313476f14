import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// Applies `sql/NNNN_*.sql` in order, each in its own transaction with its
/// record, under an advisory lock so that two processes starting at once
/// neither race nor apply a step twice.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: the key of the session advisory lock.
    static let lockKey: Int64 = 0x4841_4E44_4F46_4601

    public let client: PostgresClient
    public let migrations: [Migration]
    public let logger: Logger

    public init(client: PostgresClient, migrations: [Migration], logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    /// Reads every `NNNN_name.sql` in `directory`.
    public static func load(directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return try names.sorted().compactMap { name in
            guard name.hasSuffix(".sql") else { return nil }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            guard let migration = Migration(fileName: name, sql: sql) else {
                throw MigrationPlanError.badFileName(name)
            }
            return migration
        }
    }

    /// Where the migrations live: `HANDOFF_MIGRATIONS_DIR`, else `./sql`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: environment["HANDOFF_MIGRATIONS_DIR"] ?? "sql", isDirectory: true)
    }

    /// Applies what is pending; returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// The migrations this build has that the database has not applied.
    public func pending() async throws -> [Migration] {
        try await client.withConnection { connection in
            let applied = try await applied(on: connection)
            return try MigrationPlan.pending(available: migrations, applied: applied)
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        let pending = try MigrationPlan.pending(available: migrations, applied: try await applied(on: connection))
        for migration in pending {
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in SQLStatementSplitter.split(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger
                    )
                }
            } catch {
                throw MigrationFailed(migration: migration, underlying: error)
            }
        }
        return pending
    }

    private func applied(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var records: [AppliedMigration] = []
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM schema_migrations ORDER BY version", logger: logger
        ).decode((Int, String).self) {
            records.append(AppliedMigration(version: version, checksum: checksum))
        }
        return records
    }
}

public struct MigrationFailed: Error, CustomStringConvertible {
    public var migration: Migration
    public var underlying: any Error

    public var description: String {
        let reason = (underlying as? PSQLError).map { String(reflecting: $0.serverInfo?[.message] ?? "\($0)") } ?? "\(underlying)"
        return "migration \(migration.version) (\(migration.name)) failed and was rolled back: \(reason)"
    }
}
