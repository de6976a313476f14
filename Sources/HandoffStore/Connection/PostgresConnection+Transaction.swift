import Logging
import PostgresNIO

/// The connection was closed (the server restarted or went away) during a
/// transaction: it was rolled back, unless its COMMIT had already reached the
/// server just before. (`transaction` throws it only before sending COMMIT;
/// `abandoningLostQueries` at any point.) The API answers 503 problem+json
/// with Retry-After.
public struct ConnectionLost: Error, CustomStringConvertible {
    public var description: String {
        "the database connection closed during the transaction; it was rolled back unless its COMMIT had already reached the server"
    }
}

extension PostgresConnection {
    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` throws.
    ///
    /// Like `PostgresConnection.withTransaction`, except that nothing is
    /// written to a connection that has closed: postgres-nio 1.33 drops a
    /// query written to a closed channel without ever failing it
    /// (vapor/postgres-nio#487, reverted in #501), so the ROLLBACK that
    /// `withTransaction` sends after a body failed because the server closed
    /// the connection would wait forever, holding its request and graceful
    /// shutdown with it. A transaction whose connection is gone has been
    /// rolled back by the server already.
    ///
    /// Errors: `body`'s own error when it failed and the transaction was rolled
    /// back (or died with its connection); ROLLBACK's error when that failed
    /// too; `ConnectionLost` when the connection closed after `body` but before
    /// COMMIT was sent; COMMIT's error when it failed (for a lost connection the
    /// outcome is then unknown).
    func transaction<Result: Sendable>(
        logger: Logger,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await query("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            if !isClosed {
                try await query("ROLLBACK", logger: logger)
            }
            throw error
        }
        guard !isClosed else { throw ConnectionLost() }
        try await query("COMMIT", logger: logger)
        return value
    }
}
