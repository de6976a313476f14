import Foundation
import PostgresNIO

/// `postgres://user:pass@host:port/db?sslmode=…` → a client configuration.
public enum DatabaseURL {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connections the API's pool opens at most, unless HANDOFF_DATABASE_POOL_SIZE says otherwise.
    ///
    /// Sixteen: past a few transactions per core, more at once only makes them
    /// wait for each other: throughput stays and the tail grows (`bench/intake`
    /// compared pool sizes; bench/README.md points to the runs).
    /// Requests beyond the pool wait their turn in the API, first come first
    /// served, instead of in Postgres's scheduler.
    public static let defaultPoolSize = 16

    public static func configuration(_ string: String, poolSize: Int = defaultPoolSize) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: string),
              ["postgres", "postgresql"].contains(components.scheme ?? "")
        else {
            throw Invalid(description: "DATABASE_URL must look like postgres://user:pass@host:5432/db")
        }
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable", "allow": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw Invalid(description: "DATABASE_URL sslmode '\(sslMode)' is not one of disable, prefer, require")
        }
        var configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1",
            port: components.port ?? 5432,
            username: user,
            password: password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.maximumConnections = max(1, poolSize)
        return configuration
    }
}
