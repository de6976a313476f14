import Foundation
import HandoffCore
import HandoffStore
import Logging
import Metrics
import ServiceLifecycle

/// Fires SLA timers on time: `sla.warning`, `sla.breached`, `lead.escalated`.
///
/// It sleeps until the earliest pending `due_at` (any tenant), and wakes
/// early on a NOTIFY on `handoff_timers` (intake sends one after commit: a
/// new timer may be earlier than what it sleeps towards), each time its
/// LISTEN is (re)established (notifications sent meanwhile are gone), and at
/// least every `safetyScan`. Each wake it fires what is due in batches (see
/// `TimerStore.fireDue` for the claim and lock order); after each commit it
/// NOTIFYs the delivery dispatchers. Overdue timers, e.g. after a restart,
/// fire at once, marked `late`.
///
/// Any number of engines, in any number of processes, can run against one
/// database. On graceful shutdown the batch in flight commits, and no new
/// one starts; cancelled outright, the batch's transaction rolls back whole
/// and its timers stay pending for the next engine.
public final class TimerEngine: Service, Sendable {
    public let store: TimerStore
    let settings: TimerSettings
    let logger: Logger
    private let configurations: ConfigurationCache?
    private let wakeup = Wakeup()

    /// `configurations`: a running cache to read tenants' configuration from;
    /// without one it is read in each batch's transaction.
    public init(database: Database, settings: TimerSettings = TimerSettings(), configurations: ConfigurationCache? = nil, logger: Logger) {
        self.store = TimerStore(database: database)
        self.settings = settings
        self.configurations = configurations
        var logger = logger
        logger[metadataKey: "service"] = "timers"
        self.logger = logger
    }

    /// Look for due timers now, in this process.
    public func wake() {
        wakeup.ring()
    }

    /// Fires everything due at `now`, batch after batch, until a batch finds
    /// fewer leads than it could take, and tells the dispatchers. What `run()`
    /// does on each wake; tests with a fake clock call it directly.
    @discardableResult
    public func fireDue(now: Date) async throws -> TimerStore.Batch {
        var total = TimerStore.Batch()
        while true {
            let batch = try await fireBatch(now: now)
            total.add(batch)
            total.nextDue = batch.nextDue
            if batch.leads < settings.batchSize || Task.isCancelled { return total }
        }
    }

    public func run() async throws {
        logger.info("timer engine started", metadata: ["batch_size": "\(settings.batchSize)", "safety_scan": "\(settings.safetyScan)"])
        let listener = NotificationListener(client: store.database.client, channel: OutboxSignal.timers, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await listener.run(
                        onListening: {
                            self.wakeup.ring()
                            self.settings.onListening?()
                        },
                        onNotification: { _ in self.wakeup.ring() }
                    )
                }
                await self.loop()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeup.stop()
        }
        logger.info("timer engine stopped")
    }

    // MARK: - The loop

    private func loop() async {
        var failures = 0
        while !wakeup.isStopped, !Task.isCancelled {
            var pause = settings.safetyScan
            do {
                let batch = try await fireBatch(now: settings.clock())
                failures = 0
                // A full batch: more is due right now, so catch up with
                // several transactions at once (their SKIP LOCKED claims keep
                // them apart, as they keep separate engines apart).
                if batch.leads >= settings.batchSize {
                    try await catchUp()
                    continue
                }
                // Read in the batch's transaction: one round of BEGIN/COMMIT less per wake.
                if let next = batch.nextDue {
                    let wait = next.timeIntervalSince(settings.clock())
                    // Due, yet no lead could be taken: another engine or a
                    // response holds them for a moment. Look again shortly.
                    // (Not yet due: sleep exactly until it is.)
                    let floor = batch.leads == 0 && wait <= 0 ? 0.05 : 0
                    pause = min(pause, Self.duration(max(wait, floor)))
                }
            } catch {
                if Task.isCancelled || wakeup.isStopped { break }
                failures += 1
                pause = min(settings.safetyScan, .milliseconds(100) * (1 << min(failures, 6)))
                logger.warning("could not fire due timers; trying again", metadata: [
                    "error": "\(String(reflecting: error))", "retry_in": "\(pause)",
                ])
            }
            await wakeup.sleep(upTo: pause)
        }
    }

    /// `catchUpBatches` batch loops at once, each until it finds less than a
    /// full batch due; no new batch starts once shutdown began.
    private func catchUp() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<settings.catchUpBatches {
                group.addTask {
                    while !self.wakeup.isStopped, !Task.isCancelled {
                        if try await self.fireBatch(now: self.settings.clock()).leads < self.settings.batchSize { return }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One transaction, then the NOTIFYs its commit calls for.
    private func fireBatch(now: Date) async throws -> TimerStore.Batch {
        var load: (@Sendable (UUID) async throws -> TenantConfiguration)?
        if let cache = configurations {
            load = { @Sendable tenantID in try await cache.configuration(tenantID: tenantID) }
        }
        let batch = try await store.fireDue(
            now: now, limit: settings.batchSize, window: settings.window, quarantineAfter: settings.quarantineAfter, configuration: load
        )
        for failure in batch.failures { report(failure) }
        guard batch.leads > 0 else { return batch }
        if batch.fired > 0 { settings.onLateness?(.milliseconds(batch.maxLateMs)) }
        var metadata: Logger.Metadata = [
            "leads": "\(batch.leads)", "fired": "\(batch.fired)", "events": "\(batch.events)", "deliveries": "\(batch.deliveries)",
        ]
        if batch.skipped > 0 { metadata["skipped"] = "\(batch.skipped)"; metadata["reasons"] = "\(Set(batch.skippedReasons).sorted())" }
        if batch.late > 0 {
            metadata["late"] = "\(batch.late)"
            metadata["max_late_ms"] = "\(batch.maxLateMs)"
            logger.notice("fired overdue timers", metadata: metadata)
        } else {
            logger.debug("fired timers", metadata: metadata)
        }
        do {
            try await store.notify(deliveries: batch.deliveries > 0, timers: batch.newTimers > 0)
        } catch {
            logger.debug("could not notify after firing; the periodic scans will find the work", metadata: ["error": "\(error)"])
        }
        return batch
    }

    /// A lead whose timers failed alone: in the logs with its error, and
    /// counted in `handoff_timer_failures_total` (outcome `retry` while it
    /// will be tried again, `quarantined` once it no longer will).
    private func report(_ failure: TimerStore.LeadFailure) {
        let metadata: Logger.Metadata = [
            "tenant_id": "\(failure.tenantID)", "lead_id": "\(failure.leadID)", "error": "\(failure.error)",
        ]
        if failure.quarantined {
            logger.error("quarantined a lead's due timers after repeated failures; they will not fire until timers.failed_at is cleared", metadata: metadata)
        } else {
            logger.warning("could not fire a lead's due timers; the other leads fired, this one is tried again", metadata: metadata)
        }
        Counter(label: "handoff_timer_failures_total", dimensions: [("outcome", failure.quarantined ? "quarantined" : "retry")]).increment()
    }

    private static func duration(_ seconds: TimeInterval) -> Duration {
        .nanoseconds(Int64((max(0, min(seconds, 86_400)) * 1e9).rounded(.up)))
    }
}
