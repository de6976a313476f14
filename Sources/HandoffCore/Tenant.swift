import Foundation

public enum TenantStatus: String, Sendable, Codable, CaseIterable {
    case active
    /// A suspended tenant's keys are refused with 403 until it is reactivated.
    case suspended
}

public struct Tenant: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var status: TenantStatus
    public var createdAt: Date
    /// Deliveries the tenant may queue per UTC day; the rest fail (sql/0007).
    public var sendQuotaPerDay: Int
    /// Deliveries queued so far in the current UTC day.
    public var sendsToday: Int

    public init(id: UUID, name: String, status: TenantStatus, createdAt: Date,
                sendQuotaPerDay: Int = SendQuota.standard, sendsToday: Int = 0) {
        self.id = id
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.sendQuotaPerDay = sendQuotaPerDay
        self.sendsToday = sendsToday
    }
}

/// The per-tenant daily send quota the operator sets.
public enum SendQuota {
    /// Generous: a quota stops a leaked key from turning the service into a
    /// relay; it does not ration a working funnel.
    public static let standard = 10_000
    public static let range = 0...10_000_000

    public static func validate(_ value: Int?, field: String = "send_quota_per_day") -> Result<Int?, ValidationFailure> {
        guard let value else { return .success(nil) }
        guard range.contains(value) else {
            return .failure(ValidationFailure(errors: [FieldError(field: field, message: "must be a whole number from 0 to 10000000 (deliveries per UTC day)")]))
        }
        return .success(value)
    }
}

public struct APIKey: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var name: String
    public var prefix: String
    public var scopes: [Scope]
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: UUID, tenantID: UUID, name: String, prefix: String, scopes: [Scope], createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Input rules for tenants and keys, shared by every entry point.
public enum TenantRules {
    public static func validateName(_ name: String?, field: String = "name") -> Result<String, ValidationFailure> {
        var validator = Validator()
        let trimmed = validator.name(name, field)
        guard let trimmed, validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        return .success(trimmed)
    }

    /// Scopes named by a client: at least one, each known, no repeats kept.
    public static func validateScopes(_ raw: [String]?, field: String = "scopes") -> Result<[Scope], ValidationFailure> {
        var validator = Validator()
        guard let raw, !raw.isEmpty else {
            return .failure(ValidationFailure(errors: [FieldError(field: field, message: "must name at least one of admin, ingest, read")]))
        }
        var scopes: [Scope] = []
        for (index, name) in raw.enumerated() {
            if let scope = Scope(rawValue: name) {
                if !scopes.contains(scope) { scopes.append(scope) }
            } else {
                validator.fail("\(field)[\(index)]", "unknown scope '\(name)'; use admin, ingest or read")
            }
        }
        guard validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        return .success(scopes)
    }
}
