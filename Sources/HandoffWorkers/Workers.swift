import HandoffStore
import Logging
import ServiceLifecycle

/// What the background services need beyond the database.
public struct WorkerSettings: Sendable {
    public var delivery: DeliverySettings
    public var timers: TimerSettings
    public var retention: RetentionSettings

    public init(
        delivery: DeliverySettings = DeliverySettings(), timers: TimerSettings = TimerSettings(),
        retention: RetentionSettings = RetentionSettings()
    ) {
        self.delivery = delivery
        self.timers = timers
        self.retention = retention
    }

    /// Connections the workers' own pool opens at most: each LISTEN holds one,
    /// the dispatcher's claim and attempt recorder one each, a behind timer
    /// engine one per catch-up batch, and the retention worker one. Their own pool, so that a busy API's
    /// requests, queued for its connections, never stand between a due timer
    /// or delivery and the database.
    public static let poolSize = 10

    /// Both workers tell `report` how late they are (see `IntakeGate`).
    public func reportingLateness(to report: @escaping @Sendable (Duration) -> Void) -> WorkerSettings {
        var settings = self
        settings.delivery.onLateness = report
        settings.timers.onLateness = report
        return settings
    }
}

/// The background services `handoff serve` and `handoff worker` run beside the
/// API: the delivery dispatcher, the SLA timer engine and the retention worker.
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
            TimerEngine(database: database, settings: settings.timers, configurations: cache, logger: logger),
            RetentionWorker(database: database, settings: settings.retention, logger: logger),
        ]
        return configurations == nil ? [cache] + workers : workers
    }
}
