import HandoffStore
import Logging
import ServiceLifecycle

/// What the background services need beyond the database.
public struct WorkerSettings: Sendable {
    public var delivery: DeliverySettings

    public init(delivery: DeliverySettings = DeliverySettings()) {
        self.delivery = delivery
    }
}

/// The background services `handoff serve` and `handoff worker` run beside the
/// API: the delivery dispatcher and the SLA timer engine.
public enum Workers {
    /// `configurations`: the process's configuration cache when something else
    /// (the API) already runs one; otherwise the workers get their own, run
    /// with them, so the timer engine reads a tenant's configuration from
    /// memory rather than once per batch.
    public static func services(
        database: Database, configurations: ConfigurationCache? = nil, logger: Logger, settings: WorkerSettings = WorkerSettings()
    ) -> [any Service] {
        let cache = configurations ?? ConfigurationCache(database: database)
        let workers: [any Service] = [
            DeliveryDispatcher(database: database, settings: settings.delivery, logger: logger),
            TimerEngine(database: database, configurations: cache, logger: logger),
        ]
        return configurations == nil ? [cache] + workers : workers
    }
}
