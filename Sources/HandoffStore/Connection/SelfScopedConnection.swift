import Logging
import PostgresNIO

/// A statement that sets its own scope: it calls a function or procedure of
/// `sql/0005_self_scoped_intake.sql`, whose first step is the restricted role
/// and the tenant, for its own transaction only.
protocol SelfScopedStatement: PostgresPreparedStatement {}

/// A leased connection outside any transaction, on which only self-scoped
/// statements run, each in a transaction of its own. The type is the guard: a
/// statement that does not scope itself would run as the login role, which
/// Row Level Security does not bind, so nothing else can be sent here.
struct SelfScopedConnection: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    func execute<Statement: SelfScopedStatement>(
        _ statement: Statement
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> {
        try await connection.execute(statement, logger: logger)
    }
}

extension Database {
    /// Self-scoped statements on one pooled connection, leased as
    /// `acquisition` allows and given up on if it closes under them, as every
    /// transaction's is. One round trip per statement: no BEGIN, no scope
    /// statement, no COMMIT.
    func selfScoped<Result: Sendable>(
        _ body: @escaping @Sendable (SelfScopedConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { [logger] connection in
            try await body(SelfScopedConnection(connection: connection, logger: logger))
        }
    }
}
