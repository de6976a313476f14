import Crypto
import Foundation

/// One forward-only schema step, from `sql/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Parses `0001_init.sql` into (1, "init"); nil for any other file name.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"),
              let version = Int(stem[..<underscore]), version > 0
        else { return nil }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// Hex SHA-256 of the text: a landed migration must never change.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// What the database has recorded as applied.
public struct AppliedMigration: Sendable, Equatable {
    public var version: Int
    public var checksum: String
    public init(version: Int, checksum: String) {
        self.version = version
        self.checksum = checksum
    }
}

public enum MigrationPlanError: Error, Equatable, CustomStringConvertible {
    case duplicateVersion(Int)
    case edited(version: Int, name: String)
    case unknownApplied(version: Int)
    case badFileName(String)

    public var description: String {
        switch self {
        case .duplicateVersion(let version):
            return "two migration files share version \(version); give each file its own number"
        case .edited(let version, let name):
            return "migration \(version) (\(name)) changed after it was applied; landed migrations are never edited, add a new one instead"
        case .badFileName(let name):
            return "migration file '\(name)' is not named NNNN_name.sql"
        case .unknownApplied(let version):
            return "the database has migration \(version) applied, which this build does not know; run a newer build"
        }
    }
}

public enum MigrationPlan {
    /// Earlier texts of a landed migration that are accepted as applied.
    ///
    /// `0001_init.sql` was edited once after it had landed (`5a47e58`): its
    /// two role statements gained exception handlers, so that
    /// two databases of one cluster can migrate at the same time. A database
    /// that applied the earlier text has the same schema, roles and grants, but
    /// refused to start with "migration 1 (init) changed after it was applied".
    /// No other edit has landed, and none will: this list only ever records
    /// history.
    public static let earlierChecksums: [Int: Set<String>] = [
        1: ["c13e8845c2f088eeb21aef0e5c957b30d19bc222794830b8717b428125b30d0c"],
    ]

    /// The migrations still to apply, in order, after checking that the applied
    /// ones are exactly the first files unchanged.
    public static func pending(available: [Migration], applied: [AppliedMigration]) throws -> [Migration] {
        var byVersion: [Int: Migration] = [:]
        for migration in available {
            guard byVersion.updateValue(migration, forKey: migration.version) == nil else {
                throw MigrationPlanError.duplicateVersion(migration.version)
            }
        }
        for record in applied {
            guard let migration = byVersion[record.version] else {
                throw MigrationPlanError.unknownApplied(version: record.version)
            }
            guard migration.checksum == record.checksum || earlierChecksums[record.version]?.contains(record.checksum) == true else {
                throw MigrationPlanError.edited(version: migration.version, name: migration.name)
            }
        }
        let done = Set(applied.map(\.version))
        return available.filter { !done.contains($0.version) }.sorted { $0.version < $1.version }
    }
}
