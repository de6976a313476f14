import PostgresNIO

/// Tells "the database is down or restarting" (a 503, retry) from every other
/// failure (a bug, a 500).
public enum DatabaseAvailability {
    public static func isUnavailable(_ error: any Error) -> Bool {
        // No connection within the acquisition deadline, or the pool refused the
        // lease; or the connection closed mid-transaction before COMMIT.
        if error is ConnectionUnavailable || error is ConnectionLost { return true }
        // postgres-nio's `withTransaction` (the migrator's): the connection died
        // in BEGIN, the body, COMMIT or the ROLLBACK after a failed body. (A lost
        // COMMIT leaves the outcome unknown: 503, and the client retries.)
        if let transaction = error as? PostgresTransactionError {
            return [transaction.beginError, transaction.closureError, transaction.commitError, transaction.rollbackError]
                .contains { $0.map(isUnavailable) ?? false }
        }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
            return true
        case .server:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 08 connection exceptions.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        default:
            return false
        }
    }
}
