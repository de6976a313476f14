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
    let migrator: Migrator
    let metrics: PrometheusCollectorRegistry
    let clock: @Sendable () -> Date

    init(database: Database, migrator: Migrator, metrics: PrometheusCollectorRegistry, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.tenants = TenantStore(database: database)
        self.keys = APIKeyStore(database: database)
        self.migrator = migrator
        self.metrics = metrics
        self.clock = clock
    }
}

extension UUID {
    /// A path id; anything that is not a UUID cannot name a resource, so it is a 404.
    init(pathID: String, resource: String) throws {
        guard let id = UUID(uuidString: pathID) else { throw Problem.notFound(resource) }
        self = id
    }
}
