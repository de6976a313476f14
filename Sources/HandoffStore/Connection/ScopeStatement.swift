import Foundation
import PostgresNIO

/// The first statement of every transaction: the restricted role, the tenant
/// (or the system scope) Row Level Security checks against, and whether the
/// commit waits for its WAL to reach disk. Prepared, as it runs with every
/// request (see `IntakeStatements.swift`).
struct ScopeStatement: PostgresPreparedStatement {
    typealias Row = ()

    static let name = "handoff_scope"  // not `String(reflecting:)` per execution, the protocol's default

    static let sql = """
        SELECT set_config('role', 'handoff_app', true), set_config('app.tenant_id', $1::text, true),
               set_config('app.scope', $2::text, true),
               set_config('synchronous_commit', coalesce($3::text, current_setting('synchronous_commit')), true)
        """

    /// One tenant's rows; nil with `system` for every tenant's.
    var tenantID: UUID?
    var system: Bool
    /// False: the commit returns before its WAL is flushed (bookkeeping whose
    /// loss in a crash is harmless, and whose row locks must not wait on fsync).
    var durable: Bool

    static func tenant(_ id: UUID, durable: Bool) -> ScopeStatement {
        ScopeStatement(tenantID: id, system: false, durable: durable)
    }

    static let system = ScopeStatement(tenantID: nil, system: true, durable: true)

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(tenantID?.uuidString ?? "")
        bindings.append(system ? "system" : "")
        bindings.append(durable ? nil : "off" as String?)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
