import Foundation
import Logging
import PostgresNIO

/// The one way the service touches tenant data: a transaction that runs as the
/// restricted role `handoff_app` with Row Level Security naming its tenant.
///
/// The role switch happens inside the transaction, so it holds whatever role
/// DATABASE_URL names (a superuser bypasses RLS, handoff_app cannot), and it
/// ends with the transaction, so no pooled connection carries a tenant over.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A transaction that sees only `tenantID`'s rows.
    ///
    /// `durable: false` lets the commit return before its WAL reaches disk, for
    /// tiny bookkeeping transactions whose loss in a crash is harmless (a
    /// round-robin turn) and whose row lock must not be held through an fsync.
    public func tenant<Result: Sendable>(
        _ tenantID: UUID,
        durable: Bool = true,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await Self.unwrapping {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    SELECT set_config('role', 'handoff_app', true), set_config('app.tenant_id', \(tenantID.uuidString), true),
                           set_config('app.scope', '', true), set_config('synchronous_commit', coalesce(\(durable ? nil : "off" as String?), current_setting('synchronous_commit')), true)
                    """,
                    logger: logger
                )
                return try await body(connection)
            }
        }
    }

    /// A transaction across tenants, for the operator's endpoints, key lookup
    /// and the workers. Still the restricted role: only the scope differs.
    public func system<Result: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await Self.unwrapping {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "SELECT set_config('role', 'handoff_app', true), set_config('app.tenant_id', '', true), set_config('app.scope', 'system', true)",
                    logger: logger
                )
                return try await body(connection)
            }
        }
    }

    /// A transaction that failed in its body and rolled back cleanly reports
    /// the body's own error, so callers can tell a refusal from a failure.
    static func unwrapping<Result>(_ transaction: () async throws -> Result) async throws -> Result {
        do {
            return try await transaction()
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil, error.commitError == nil {
                throw closureError
            }
            throw error
        }
    }

    /// Whether the database answers at all.
    public func ping() async -> Bool {
        do {
            try await client.query("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }
}
