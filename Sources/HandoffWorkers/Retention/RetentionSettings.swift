import Foundation
import HandoffCore

/// How the retention worker runs. The defaults are production's; tests take
/// over the clock and make batches tiny.
public struct RetentionSettings: Sendable {
    /// The worker's idea of now: every cutoff and closed day comes from it.
    public var clock: @Sendable () -> Date
    /// How long things are kept (HANDOFF_RETENTION_DAYS is `policy.days`).
    public var policy: RetentionPolicy
    /// Rows per delete statement: small, so each batch's locks and WAL are.
    public var batchSize: Int
    /// Time between passes. Retention is not urgent: a pass an hour keeps
    /// every table within an hour's growth of its bound.
    public var interval: Duration
    /// Tenants read per page while a pass walks them.
    public var tenantPage: Int

    public init(
        clock: @escaping @Sendable () -> Date = Date.init,
        policy: RetentionPolicy = RetentionPolicy(),
        batchSize: Int = 500,
        interval: Duration = .seconds(3_600),
        tenantPage: Int = 200
    ) {
        self.clock = clock
        self.policy = policy
        self.batchSize = max(1, batchSize)
        self.interval = interval
        self.tenantPage = max(1, tenantPage)
    }
}
