import ArgumentParser
import HandoffStore
import PostgresNIO

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the pending migrations in sql/ and exit.")

    func run() async throws {
        let settings = try Settings()
        let logger = settings.logger("handoff.migrate")
        let migrations = try settings.migrations()
        let applied = try await PostgresClient.withRunning(try settings.postgres(), logger: logger) { client in
            try await Migrator(client: client, migrations: migrations, logger: logger).migrate()
        }
        if applied.isEmpty {
            print("schema is current (\(migrations.count) migration(s))")
        } else {
            print("applied \(applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))")
        }
    }
}
