import ArgumentParser
import Configuration
import Foundation
import HandoffAPI
import HandoffCore
import HandoffStore
import HandoffWorkers
import Hummingbird
import Logging
import PostgresNIO

/// The process's configuration, from the environment variables of PRODUCT.md.
struct Settings {
    var databaseURL: String
    var operatorKey: String
    /// True when no HANDOFF_OPERATOR_KEY was set and one was made up for this run.
    var operatorKeyGenerated: Bool
    /// HANDOFF_SECRET_KEY: seals webhook signing secrets at rest.
    var secretKey: SecretKey
    /// True when no HANDOFF_SECRET_KEY was set and one was made up for this run.
    var secretKeyGenerated: Bool
    var http: ApplicationConfiguration
    var httpDescription: String
    var migrationsDirectory: URL
    var logLevel: Logger.Level
    /// HANDOFF_WEBHOOK_ALLOW_PRIVATE
    var allowPrivateTargets: Bool
    /// HANDOFF_RATE_LIMIT_PER_SECOND / HANDOFF_RATE_LIMIT_BURST, per tenant key and process.
    var rateLimit: RateLimit
    /// HANDOFF_SMTP_URL + HANDOFF_SMTP_FROM; nil when e-mail is not configured.
    var smtp: SMTPConfiguration?
    /// HANDOFF_DATABASE_POOL_SIZE: connections the API's pool opens at most
    /// (the workers have their own, `WorkerSettings.poolSize`).
    var databasePoolSize: Int
    /// HANDOFF_RETENTION_DAYS: how long events and deliveries are kept.
    var retentionDays: Int

    init(reader: ConfigReader = ConfigReader(provider: EnvironmentVariablesProvider())) throws {
        guard let databaseURL = reader.string(forKey: "database.url", isSecret: true) else {
            throw ValidationError("DATABASE_URL is not set. Use scripts/run for a private dev database, or set postgres://user:pass@host:5432/db.")
        }
        self.databaseURL = databaseURL
        if let key = reader.string(forKey: "handoff.operator.key", isSecret: true), !key.isEmpty {
            if let problem = OperatorKeyRule.problem(with: key) { throw ValidationError(problem) }
            operatorKey = key
            operatorKeyGenerated = false
        } else {
            operatorKey = "op_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            operatorKeyGenerated = true
        }
        // Like the operator key: made up for this run when unset (scripts/run
        // keeps one in .data/secret-key, so development survives restarts).
        if let text = reader.string(forKey: "handoff.secret.key", isSecret: true), !text.isEmpty {
            guard let key = SecretKey(text: text) else {
                throw ValidationError("HANDOFF_SECRET_KEY must be 32 bytes written as base64 (44 characters) or hex (64); generate one with `openssl rand -base64 32`.")
            }
            secretKey = key
            secretKeyGenerated = false
        } else {
            secretKey = .generate()
            secretKeyGenerated = true
        }
        let httpReader = reader.scoped(to: "handoff.http")
        let host = httpReader.string(forKey: "host", default: "127.0.0.1")
        let port = httpReader.int(forKey: "port", default: 8080)
        http = ApplicationConfiguration(reader: httpReader)
        if httpReader.string(forKey: "host") == nil && httpReader.int(forKey: "port") == nil {
            http.address = .hostname(host, port: port)
        }
        http.serverName = "handoff"
        httpDescription = "\(host):\(port)"
        migrationsDirectory = URL(fileURLWithPath: reader.string(forKey: "handoff.migrations.dir", default: "sql"), isDirectory: true)
        allowPrivateTargets = reader.bool(forKey: "handoff.webhook.allow.private", default: false)
        let rate = reader.double(forKey: "handoff.rate.limit.per.second", default: RateLimit.standard.ratePerSecond)
        let burst = reader.double(forKey: "handoff.rate.limit.burst", default: max(rate * 2, 1))
        rateLimit = RateLimit(ratePerSecond: max(rate, 0.001), capacity: max(burst, 1))
        logLevel = reader.string(forKey: "log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        smtp = try Self.smtp(reader)
        // Read as text: a value that is not a number is refused, not replaced by the default.
        if let text = reader.string(forKey: "handoff.database.pool.size"), !text.isEmpty {
            guard let size = Int(text), (1...1_000).contains(size) else {
                throw ValidationError("HANDOFF_DATABASE_POOL_SIZE must be a whole number from 1 to 1000, not '\(text)'.")
            }
            databasePoolSize = size
        } else {
            databasePoolSize = DatabaseURL.defaultPoolSize
        }
        switch RetentionPolicy.days(from: reader.string(forKey: "handoff.retention.days")) {
        case .success(let days): retentionDays = days
        case .failure(let failure): throw ValidationError(failure.message)
        }
    }

    /// Empty counts as unset: compose passes `${HANDOFF_SMTP_URL:-}` through.
    static func smtp(_ reader: ConfigReader) throws -> SMTPConfiguration? {
        let url = reader.string(forKey: "handoff.smtp.url", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        let from = reader.string(forKey: "handoff.smtp.from").flatMap { $0.isEmpty ? nil : $0 }
        guard let url else {
            if from != nil {
                throw ValidationError("HANDOFF_SMTP_FROM is set but HANDOFF_SMTP_URL is not; set smtp://[user:pass@]host:port, or unset both to run without e-mail.")
            }
            return nil
        }
        guard let from else {
            throw ValidationError("HANDOFF_SMTP_URL is set but HANDOFF_SMTP_FROM is not; set the sender, e.g. HANDOFF_SMTP_FROM='Handoff <handoff@example.com>'.")
        }
        do {
            return try SMTPConfiguration(url: url, from: from)
        } catch {
            throw ValidationError("HANDOFF_SMTP_URL / HANDOFF_SMTP_FROM: \(error.message).")
        }
    }

    /// The background services' settings.
    var workers: WorkerSettings {
        WorkerSettings(
            delivery: DeliverySettings(allowPrivateTargets: allowPrivateTargets, smtp: smtp, secretKey: secretKey),
            retention: RetentionSettings(policy: RetentionPolicy(days: retentionDays))
        )
    }

    /// The API's pool (and the one of short-lived commands) unless `poolSize` says otherwise.
    func postgres(poolSize: Int? = nil) throws -> PostgresClient.Configuration {
        try DatabaseURL.configuration(databaseURL, poolSize: poolSize ?? databasePoolSize)
    }

    func migrations() throws -> [Migration] {
        do {
            return try Migrator.load(directory: migrationsDirectory)
        } catch let error as MigrationPlanError {
            throw error
        } catch {
            throw ValidationError("Cannot read migrations from \(migrationsDirectory.path); run from the repository root or set HANDOFF_MIGRATIONS_DIR.")
        }
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
