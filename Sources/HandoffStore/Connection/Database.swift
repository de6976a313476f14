import Foundation
import Logging
import PostgresNIO

/// How the service touches tenant data: a transaction that runs as the
/// restricted role `handoff_app` with Row Level Security naming its tenant, or
/// (for the intake's two statements, see `selfScoped`) a statement that makes
/// the same switch itself, for its own transaction.
///
/// The role switch happens inside the transaction, so it holds whatever role
/// DATABASE_URL names (a superuser bypasses RLS, handoff_app cannot), and it
/// ends with the transaction, so no pooled connection carries a tenant over.
///
/// A transaction waits for a pooled connection only as `acquisition` allows
/// (1 s while the pool hands out nothing, e.g. the database is down; up to
/// 10 s while it is merely busy); past that `ConnectionUnavailable` is thrown
/// (503 at the API) instead of waiting for the database to come back. Once a
/// transaction has its connection it is never cut short
/// (see `PostgresClient.withConnection(acquiring:_:)`), unless that connection
/// has been closed under it for a second: a query postgres-nio lost is then
/// given up on (`ConnectionLost`, see `abandoningLostQueries`).
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    public let acquisition: ConnectionAcquisition

    /// One second: far above a healthy lease (microseconds with an idle
    /// connection, a few milliseconds to open one), well below what a client
    /// waits before it gives up, and short enough that graceful shutdown is
    /// never held for long by requests queued during an outage. A constant,
    /// not an environment setting: nothing so far needs another value
    /// outside tests.
    public static let defaultAcquireTimeout: Duration = .seconds(1)
    /// How long a lease may queue behind a busy (but working) pool.
    public static let busyPoolLimit: Duration = .seconds(10)

    /// `acquireTimeout`: how long a lease waits while the pool hands out no
    /// connection at all.
    public init(client: PostgresClient, logger: Logger, acquireTimeout: Duration = Database.defaultAcquireTimeout) {
        self.client = client
        self.logger = logger
        self.acquisition = ConnectionAcquisition(patience: acquireTimeout, limit: Self.busyPoolLimit)
    }

    /// A transaction that sees only `tenantID`'s rows.
    ///
    /// `durable: false` lets the commit return before its WAL reaches disk, for
    /// tiny bookkeeping transactions whose loss in a crash is harmless (a
    /// round-robin turn) and whose row lock must not be held through an fsync.
    public func tenant<Result: Sendable>(
        _ tenantID: UUID,
        durable: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction { connection in
            _ = try await connection.execute(ScopeStatement.tenant(tenantID, durable: durable), logger: logger)
            return try await body(connection)
        }
    }

    /// A transaction across tenants, for the operator's endpoints, key lookup
    /// and the workers. Still the restricted role: only the scope differs.
    public func system<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction { connection in
            _ = try await connection.execute(ScopeStatement.system, logger: logger)
            return try await body(connection)
        }
    }

    /// BEGIN … COMMIT on a connection leased as `acquisition` allows. A body
    /// that fails and rolls back reports its own error, so callers can tell a
    /// refusal from a failure.
    private func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { [logger] connection in
            try await connection.transaction(logger: logger, body)
        }
    }

    /// Every use of the pool goes through here: a lease bounded by
    /// `acquisition`, and work that is given up on when its connection closes
    /// under it (`abandoningLostQueries`).
    func withConnection<Result: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection(acquiring: acquisition) { connection in
            try await connection.abandoningLostQueries { try await work(connection) }
        }
    }

    /// `pg_notify` on each channel, outside any transaction (after the commit
    /// that made the news). On a connection leased as `acquisition` allows,
    /// never `client.query`: its lease waits out a database outage, and a query
    /// it writes to a connection the server has just closed is never answered
    /// (see `withConnection(acquiring:_:)`); either would stop the caller's loop.
    public func notify(_ channels: [String]) async throws {
        guard !channels.isEmpty else { return }
        try await withConnection { [logger] connection in
            _ = try await connection.query("SELECT pg_notify(c, '') FROM unnest(\(channels)::text[]) AS c", logger: logger)
        }
    }

    /// Whether the database answers at all (a connection leased as `acquisition` allows).
    public func ping() async -> Bool {
        do {
            try await withConnection { [logger] connection in
                _ = try await connection.query("SELECT 1", logger: logger)
            }
            return true
        } catch {
            return false
        }
    }
}
