import Foundation
import HandoffCore
import Logging
import PostgresNIO

/// Why a configuration write was refused.
public enum ConfigWriteError: Error, Sendable, Equatable {
    /// Ids in the body that name nothing in this tenant (another tenant's included).
    case invalidReferences([FieldError])
    /// The row is still used; each string names a referrer, e.g. "funnel Demo readiness".
    case referenced(by: [String])
}

/// Create, read, update and delete for every kind of tenant configuration.
///
/// Records travel as JSON (`to_jsonb` out, `jsonb_populate_record` in), so one
/// set of plain SQL statements serves seven tables; what differs per table is
/// in `ConfigTable`. Every write checks its references, runs in one tenant
/// transaction, and announces itself with NOTIFY so caches in other processes
/// drop that tenant's configuration at once.
public struct ConfigurationStore: Sendable {
    public static let channel = "handoff_config"

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func create<Record: ConfigRecord>(_ record: Record, tenantID: UUID) async throws -> Record {
        try await database.tenant(tenantID) { connection in
            try await checkReferences(record.references, tenantID: tenantID, on: connection)
            let table = ConfigTable.of(Record.kind)
            let insert = PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table.table)
                    SELECT * FROM jsonb_populate_record(NULL::\(table.table), $2::jsonb || jsonb_build_object('tenant_id', $1::uuid))
                    """,
                binds: try binds(tenantID, String(decoding: WireJSON.encode(record), as: UTF8.self))
            )
            try await connection.query(insert, logger: database.logger)
            try await writeSideTables(record, tenantID: tenantID, on: connection)
            try await announce(tenantID, on: connection)
            return try await fetch(Record.self, id: record.id, tenantID: tenantID, lock: false, on: connection) ?? record
        }
    }

    public func get<Record: ConfigRecord>(_ type: Record.Type, id: UUID, tenantID: UUID) async throws -> Record? {
        try await database.tenant(tenantID) { connection in
            try await fetch(type, id: id, tenantID: tenantID, lock: false, on: connection)
        }
    }

    /// A page in id (creation) order. `filter` is a JSON object the record must
    /// contain (`@>`), e.g. `{"active": true}` or `{"territories": ["DE"]}`.
    public func list<Record: ConfigRecord>(
        _ type: Record.Type, tenantID: UUID, page: PageRequest, filter: String = "{}"
    ) async throws -> (records: [Record], next: String?) {
        let table = ConfigTable.of(Record.kind)
        let rows: [Record] = try await database.tenant(tenantID) { connection in
            let query = PostgresQuery(
                unsafeSQL: """
                    SELECT j::text FROM \(table.table) r CROSS JOIN LATERAL (SELECT \(table.json) AS j) x
                    WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2) AND x.j @> $3::jsonb
                    ORDER BY r.id LIMIT $4
                    """,
                binds: try binds(tenantID, page.after, filter, page.limit + 1)
            )
            return try await decodeRows(connection.query(query, logger: database.logger))
        }
        let (records, next) = PageCursor.next(rows, limit: page.limit, id: \.id)
        return (records, next)
    }

    /// Loads the record under a row lock, lets `change` produce its new state
    /// (or refuse), and writes it; nil when the tenant has no such record.
    public func update<Record: ConfigRecord>(
        _ type: Record.Type, id: UUID, tenantID: UUID,
        _ change: @escaping @Sendable (Record) -> Result<Record, ValidationFailure>
    ) async throws -> Record? {
        try await database.tenant(tenantID) { connection in
            guard let current = try await fetch(type, id: id, tenantID: tenantID, lock: true, on: connection) else { return nil }
            let updated = try change(current).get()
            try await checkReferences(updated.references, tenantID: tenantID, on: connection)
            let table = ConfigTable.of(Record.kind)
            let columns = table.updatable.joined(separator: ", ")
            let write = PostgresQuery(
                unsafeSQL: """
                    UPDATE \(table.table) r SET (\(columns)) = (SELECT \(columns) FROM jsonb_populate_record(r, $3::jsonb))
                    WHERE r.tenant_id = $1 AND r.id = $2
                    """,
                binds: try binds(tenantID, id, try Self.updateDocument(updated, columns: table.updatable))
            )
            try await connection.query(write, logger: database.logger)
            try await writeSideTables(updated, tenantID: tenantID, on: connection)
            try await announce(tenantID, on: connection)
            return try await fetch(type, id: id, tenantID: tenantID, lock: false, on: connection)
        }
    }

    /// Deletes the record unless something still refers to it; false when the
    /// tenant has no such record.
    public func delete(_ kind: ConfigKind, id: UUID, tenantID: UUID) async throws -> Bool {
        do {
            return try await deleteUnlessReferenced(kind, id: id, tenantID: tenantID)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
            // A referrer the check does not list, or one written since it ran:
            // the foreign key still refuses, and the caller still hears who.
            let table = error.serverInfo?[.tableName] ?? "another record"
            throw ConfigWriteError.referenced(by: [table.replacingOccurrences(of: "_", with: " ")])
        }
    }

    private func deleteUnlessReferenced(_ kind: ConfigKind, id: UUID, tenantID: UUID) async throws -> Bool {
        try await database.tenant(tenantID) { connection in
            let table = ConfigTable.of(kind)
            if let referrers = table.referrers {
                var names: [String] = []
                let rows = try await connection.query(PostgresQuery(unsafeSQL: referrers, binds: try binds(tenantID, id)), logger: database.logger)
                for try await name in rows.decode(String.self) { names.append(name) }
                guard names.isEmpty else { throw ConfigWriteError.referenced(by: names) }
            }
            let delete = PostgresQuery(
                unsafeSQL: "DELETE FROM \(table.table) WHERE tenant_id = $1 AND id = $2 RETURNING id",
                binds: try binds(tenantID, id)
            )
            var deleted = false
            for try await _ in try await connection.query(delete, logger: database.logger).decode(UUID.self) { deleted = true }
            if deleted { try await announce(tenantID, on: connection) }
            return deleted
        }
    }

    /// Field errors for the references that name nothing in this tenant.
    public func missingReferences(_ references: [ConfigReference], tenantID: UUID) async throws -> [FieldError] {
        guard !references.isEmpty else { return [] }
        return try await database.tenant(tenantID) { connection in
            do {
                try await checkReferences(references, tenantID: tenantID, on: connection)
                return []
            } catch ConfigWriteError.invalidReferences(let errors) {
                return errors
            }
        }
    }

    // MARK: - Inside a transaction

    /// `lock`: FOR NO KEY UPDATE, the lock the UPDATE itself takes. Not FOR
    /// UPDATE: that one also waits for (and blocks) the KEY SHARE locks the
    /// foreign-key checks of every intake take on its owner, funnel, policy
    /// and channels. bench/soak caught the cycle it closed: a PATCH on an
    /// owner waiting for a response's check on that owner, the response
    /// waiting for an intake's owner-load slot, the intake waiting for the PATCH.
    func fetch<Record: ConfigRecord>(
        _ type: Record.Type, id: UUID, tenantID: UUID, lock: Bool, on connection: PostgresConnection
    ) async throws -> Record? {
        let table = ConfigTable.of(Record.kind)
        let query = PostgresQuery(
            unsafeSQL: "SELECT (\(table.json))::text FROM \(table.table) r WHERE r.tenant_id = $1 AND r.id = $2\(lock ? " FOR NO KEY UPDATE" : "")",
            binds: try binds(tenantID, id)
        )
        let rows: [Record] = try await decodeRows(connection.query(query, logger: database.logger))
        return rows.first
    }

    /// Every referenced id must exist in this tenant. RLS already hides other
    /// tenants' rows, and the explicit tenant filter says so in the SQL too.
    func checkReferences(_ references: [ConfigReference], tenantID: UUID, on connection: PostgresConnection) async throws {
        guard !references.isEmpty else { return }
        var found = Set<String>()
        let grouped = Dictionary(grouping: references, by: \.kind)
        for (kind, refs) in grouped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let query = PostgresQuery(
                unsafeSQL: "SELECT id FROM \(kind.table) WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
                binds: try binds(tenantID, refs.map(\.id))
            )
            for try await id in try await connection.query(query, logger: database.logger).decode(UUID.self) {
                found.insert("\(kind.rawValue):\(id)")
            }
        }
        let missing = references.filter { !found.contains("\($0.kind.rawValue):\($0.id)") }
        guard missing.isEmpty else { throw ConfigWriteError.invalidReferences(missing.map(\.missingError)) }
    }

    /// A team's members live in their own table (a foreign key per member).
    private func writeSideTables(_ record: some ConfigRecord, tenantID: UUID, on connection: PostgresConnection) async throws {
        guard let team = record as? Team else { return }
        try await connection.query(
            "DELETE FROM team_members WHERE tenant_id = \(tenantID) AND team_id = \(team.id)", logger: database.logger
        )
        if !team.memberIDs.isEmpty {
            let weights = team.memberIDs.map { team.weight(of: $0) }
            try await connection.query(
                """
                INSERT INTO team_members (tenant_id, team_id, owner_id, position, weight)
                SELECT \(tenantID), \(team.id), m.owner_id, m.position, m.weight
                FROM unnest(\(team.memberIDs)::uuid[], \(weights)::int[]) WITH ORDINALITY AS m(owner_id, weight, position)
                """,
                logger: database.logger
            )
        }
        try await connection.query(
            "INSERT INTO team_rotation (tenant_id, team_id) VALUES (\(tenantID), \(team.id)) ON CONFLICT DO NOTHING",
            logger: database.logger
        )
    }

    /// The record's JSON with an explicit null for every updatable column it
    /// leaves out: `jsonb_populate_record(r, …)` keeps the stored value for
    /// absent keys, and a field cleared by the PATCH must be cleared.
    static func updateDocument(_ record: some ConfigRecord, columns: [String]) throws -> String {
        guard var object = try JSONSerialization.jsonObject(with: WireJSON.encode(record)) as? [String: Any] else {
            throw ConfigWriteError.invalidReferences([])
        }
        for column in columns where object[column] == nil { object[column] = NSNull() }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func announce(_ tenantID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(Self.channel), \(tenantID.lowercasedString))", logger: database.logger)
    }

    private func decodeRows<Record: ConfigRecord>(_ rows: PostgresRowSequence) async throws -> [Record] {
        var records: [Record] = []
        for try await json in rows.decode(String.self) {
            records.append(try WireJSON.decode(Record.self, from: Data(json.utf8)))
        }
        return records
    }

    private func binds(_ values: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }
}
