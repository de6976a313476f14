import HandoffStore
import Logging
import ServiceLifecycle

/// The background services `handoff serve` and `handoff worker` run beside the
/// API. The SLA timer engine and the delivery dispatcher join this list as they
/// land; until then a worker process only holds its database pool open.
public enum Workers {
    public static func services(database: Database, logger: Logger) -> [any Service] {
        []
    }
}
