import Foundation
import HandoffCore
import HandoffOpenAPI
import HandoffStore
import Logging
import Prometheus

/// The implementation of the contract: one extension per resource, each thin —
/// it checks input with Core's rules, calls a store, and maps to the wire types.
struct APIHandlers: APIProtocol {
    let database: Database
    let tenants: TenantStore
    let keys: APIKeyStore
    let config: ConfigurationStore
    let leads: LeadStore
    let intakeGate: IntakeGate
    let configurationCache: ConfigurationCache
    let outbox: OutboxSignal
    let keyCache: APIKeyCache
    let migrator: Migrator
    let metrics: PrometheusCollectorRegistry
    let clock: @Sendable () -> Date
    /// HANDOFF_WEBHOOK_ALLOW_PRIVATE: http and private delivery targets are accepted.
    let allowPrivateTargets: Bool
    /// HANDOFF_SECRET_KEY: webhook signing secrets are stored sealed with it.
    let secretKey: SecretKey
    let readiness: ReadinessCheck

    init(_ dependencies: APIDependencies) {
        self.database = dependencies.database
        self.tenants = TenantStore(database: dependencies.database)
        self.keys = APIKeyStore(database: dependencies.database)
        self.config = ConfigurationStore(database: dependencies.database)
        self.leads = LeadStore(database: dependencies.database)
        self.configurationCache = dependencies.configurationCache
        self.outbox = dependencies.outbox
        self.intakeGate = dependencies.intakeGate
        self.keyCache = dependencies.keyCache
        self.migrator = dependencies.migrator
        self.metrics = dependencies.metrics
        self.clock = dependencies.clock
        self.allowPrivateTargets = dependencies.allowPrivateTargets
        self.secretKey = dependencies.secretKey
        self.readiness = ReadinessCheck(database: dependencies.database, migrator: dependencies.migrator, clock: dependencies.clock)
    }
}

extension UUID {
    /// A path id; anything that is not a UUID cannot name a resource, so it is a 404.
    init(pathID: String, resource: String) throws {
        guard let id = UUID(uuidString: pathID) else { throw Problem.notFound(resource) }
        self = id
    }
}

extension Validator {
    /// An id given in a query or body as text: a UUID, or a field error.
    mutating func id(_ text: String?, _ field: String) -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else {
            fail(field, "must be a UUID such as 0190c1d2-7a3b-7c4d-8e5f-6a7b8c9d0e1f")
            return nil
        }
        return id
    }
}
