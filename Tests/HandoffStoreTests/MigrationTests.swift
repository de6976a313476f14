@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import PostgresNIO
import Testing

@Suite("Migrations against a real database")
struct MigrationTests {
    @Test("from empty: every migration applies once, recorded; a second run applies nothing")
    func fromEmpty() async throws {
        try await TestDatabase.withFreshDatabase(migrated: false) { name in
            let migrations = try TestDatabase.migrations()
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                let migrator = Migrator(client: client, migrations: migrations, logger: TestDatabase.logger)
                #expect(try await migrator.pending().count == migrations.count)
                let applied = try await migrator.migrate()
                #expect(applied.map(\.version) == migrations.map(\.version))
                #expect(try await migrator.migrate().isEmpty)
                #expect(try await migrator.pending().isEmpty)
                let recorded = try await client.query("SELECT count(*) FROM schema_migrations", logger: TestDatabase.logger)
                    .collect().first?.decode(Int.self)
                #expect(recorded == migrations.count)
            }
        }
    }

    @Test("two processes migrating at once: one applies, the other waits and finds nothing to do")
    func concurrentMigrate() async throws {
        try await TestDatabase.withFreshDatabase(migrated: false) { name in
            let migrations = try TestDatabase.migrations()
            let configuration = try TestDatabase.configuration(database: name)
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await PostgresClient.withRunning(configuration, logger: TestDatabase.logger) { client in
                            try await Migrator(client: client, migrations: migrations, logger: TestDatabase.logger).migrate().count
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.sorted() == [0, 0, migrations.count])
        }
    }

    @Test("an edited landed migration stops the migrator with a clear message")
    func editedMigration() async throws {
        try await TestDatabase.withFreshDatabase { name in
            var edited = try TestDatabase.migrations()
            edited[0].sql += "\n-- edited"
            let migrations = edited
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                let migrator = Migrator(client: client, migrations: migrations, logger: TestDatabase.logger)
                await #expect(throws: MigrationPlanError.edited(version: 1, name: migrations[0].name)) {
                    try await migrator.migrate()
                }
            }
        }
    }

    @Test("a database that applied 0001's text from before its one landed edit starts, and migrates on")
    func earlierInit() async throws {
        try await TestDatabase.withFreshDatabase { name in
            let migrations = try TestDatabase.migrations()
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                let earlier = try #require(MigrationPlan.earlierChecksums[1]?.first)
                try await client.query("UPDATE schema_migrations SET checksum = \(earlier) WHERE version = 1", logger: TestDatabase.logger)
                let migrator = Migrator(client: client, migrations: migrations, logger: TestDatabase.logger)
                #expect(try await migrator.pending().isEmpty)
                #expect(try await migrator.migrate().isEmpty)
            }
        }
    }

    @Test("a failing migration rolls back whole and is not recorded")
    func failingMigrationRollsBack() async throws {
        try await TestDatabase.withFreshDatabase { name in
            let broken = Migration(version: 9999, name: "broken", sql: "CREATE TABLE half_done (id int); SELECT no_such_function();")
            let migrations = try TestDatabase.migrations() + [broken]
            try await PostgresClient.withRunning(try TestDatabase.configuration(database: name), logger: TestDatabase.logger) { client in
                let migrator = Migrator(client: client, migrations: migrations, logger: TestDatabase.logger)
                await #expect(throws: MigrationFailed.self) { try await migrator.migrate() }
                let leftover = try await client.query("SELECT to_regclass('half_done') IS NULL", logger: TestDatabase.logger)
                    .collect().first?.decode(Bool.self)
                #expect(leftover == true)
                #expect(try await migrator.pending().map(\.version) == [9999])
            }
        }
    }
}
