import PostgresNIO

/// Whether a failed batch should be broken up and its rows tried one by one
/// (and counted against the rows that fail alone), or simply tried again
/// later: one tenant's bad row must not stop the others' work, and an outage
/// must not be blamed on any row.
enum DatabaseRefusal {
    /// True when `error` may be the work's own fault (a row that does not
    /// decode, a constraint it breaks, a configuration that does not load);
    /// false when the database could not be reached or asked to try again
    /// later, which no row should be counted for.
    static func blamesTheWork(_ error: any Error) -> Bool {
        if error is ConnectionUnavailable || error is ConnectionLost || error is CancellationError { return false }
        guard let error = error as? PSQLError else { return true }
        guard error.code == .server else { return false }
        // Connection exception, transaction rollback (serialization, deadlock),
        // insufficient resources, operator intervention, system error.
        let sqlState = error.serverInfo?[.sqlState] ?? ""
        return !["08", "40", "53", "57", "58"].contains(String(sqlState.prefix(2)))
    }
}
