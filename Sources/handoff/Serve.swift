import ArgumentParser
import HandoffAPI
import HandoffCore
import HandoffStore
import HandoffWorkers
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API, with the timer engine and delivery workers in the same process unless --no-workers."
    )

    @Flag(help: "Serve the API only; run `handoff worker` elsewhere.")
    var noWorkers = false

    func run() async throws {
        let settings = try Settings()
        let logger = settings.logger("handoff")
        let postgres = try settings.postgres()
        let migrations = try await SchemaGate.check(settings: settings, postgres: postgres, logger: logger)

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
        let database = Database(client: client, logger: logger)
        let dependencies = APIDependencies(
            database: database,
            migrator: Migrator(client: client, migrations: migrations, logger: logger),
            operatorKey: settings.operatorKey,
            metrics: registry,
            allowPrivateTargets: settings.allowPrivateTargets,
            rateLimit: settings.rateLimit,
            secretKey: settings.secretKey,
            intakeAdmission: IntakeAdmission(maximum: settings.databasePoolSize)
        )
        var workers: [any Service] = []
        if !noWorkers {
            // Their own pool (see WorkerSettings.poolSize), and the intake
            // yields to them when they report they are falling behind.
            let workerClient = PostgresClient(configuration: try settings.postgres(poolSize: WorkerSettings.poolSize), backgroundLogger: logger)
            let gate = dependencies.intakeGate
            workers = [workerClient] + Workers.services(
                database: Database(client: workerClient, logger: logger), configurations: dependencies.configurationCache,
                logger: logger, settings: settings.workers.reportingLateness { gate.report(lateness: $0) }
            )
        }
        let app = try HandoffApplication.build(dependencies, configuration: settings.http, services: workers, logger: logger)
        if settings.operatorKeyGenerated {
            logger.notice("HANDOFF_OPERATOR_KEY was not set; generated one for this run", metadata: ["operator_key": "\(settings.operatorKey)"])
        }
        try await SecretSealing.sealAtStart(settings: settings, postgres: postgres, logger: logger)
        logger.notice("serving", metadata: ["address": "\(settings.httpDescription)", "workers": "\(!noWorkers)"])
        try await ServiceGroup(configuration: .stoppingWithin(services: [app], logger: logger)).run()
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the timer engine, delivery and retention workers without the API.")

    func run() async throws {
        let settings = try Settings()
        let logger = settings.logger("handoff.worker")
        let postgres = try settings.postgres(poolSize: WorkerSettings.poolSize)
        _ = try await SchemaGate.check(settings: settings, postgres: postgres, logger: logger)
        try await SecretSealing.sealAtStart(settings: settings, postgres: postgres, logger: logger)
        let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
        let services: [any Service] = [client] + Workers.services(database: Database(client: client, logger: logger), logger: logger, settings: settings.workers)
        try await ServiceGroup(configuration: .stoppingWithin(services: services, logger: logger)).run()
    }
}

extension ServiceGroupConfiguration {
    /// SIGTERM or SIGINT shut the services down gracefully: the server stops
    /// accepting and answers what is in flight, workers finish their batch.
    /// Database waits are bounded (a lease gives up after a second without a
    /// connection, see `Database`), so this normally takes about a second even
    /// while the database is down. As a backstop, graceful shutdown escalates to
    /// cancellation after 10 s and cancellation to a crash after 5 s more, so
    /// that anything still unbounded (a service that ignores both) cannot keep
    /// the process alive forever. Queries postgres-nio loses are already given
    /// up on by `Database` after a second.
    static func stoppingWithin(services: [any Service], logger: Logger) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(5)
        return configuration
    }
}

/// `serve` and `worker` refuse to start on a schema older (or newer) than this build.
enum SchemaGate {
    static func check(settings: Settings, postgres: PostgresClient.Configuration, logger: Logger) async throws -> [Migration] {
        let migrations = try settings.migrations()
        let pending = try await PostgresClient.withRunning(postgres, logger: logger) { client in
            try await Migrator(client: client, migrations: migrations, logger: logger).pending()
        }
        guard pending.isEmpty else {
            throw ValidationError("The database schema is behind this build by \(pending.count) migration(s) (\(pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))). Run `handoff migrate` first.")
        }
        return migrations
    }
}

/// Webhook signing secrets stored before sealing are sealed as a process
/// starts (`ChannelSecretStore` says why not in a migration).
enum SecretSealing {
    static func sealAtStart(settings: Settings, postgres: PostgresClient.Configuration, logger: Logger) async throws {
        if settings.secretKeyGenerated {
            // Not logged, unlike a generated operator key: logs travel further
            // than the database, and the key is what protects it.
            logger.warning("HANDOFF_SECRET_KEY was not set; generated one for this run. Webhook signing secrets created in this run cannot be read after a restart: set HANDOFF_SECRET_KEY (scripts/run keeps one in .data/secret-key)")
        }
        let key = settings.secretKey
        let sealed = try await PostgresClient.withRunning(postgres, logger: logger) { client in
            try await ChannelSecretStore(database: Database(client: client, logger: logger)).sealUnsealedSecrets(with: key)
        }
        if sealed > 0 { logger.notice("sealed webhook signing secrets stored in the clear", metadata: ["count": "\(sealed)"]) }
    }
}
