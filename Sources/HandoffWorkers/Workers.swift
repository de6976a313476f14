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
/// API: the delivery dispatcher now, the SLA timer engine when it lands.
public enum Workers {
    public static func services(database: Database, logger: Logger, settings: WorkerSettings = WorkerSettings()) -> [any Service] {
        [
            DeliveryDispatcher(database: database, settings: settings.delivery, logger: logger),
            TimerEngine(database: database, logger: logger),
        ]
    }
}
