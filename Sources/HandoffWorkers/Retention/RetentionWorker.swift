import Foundation
import HandoffCore
import HandoffStore
import Logging
import ServiceLifecycle

/// Keeps the tables bounded: once a pass (`interval`), it rolls every
/// tenant's closed days up into `usage_daily`, then deletes, in small
/// batches, Idempotency-Key replays past their window, settled timers, and
/// delivery attempts, deliveries and events past HANDOFF_RETENTION_DAYS. It
/// also erases webhook secrets replaced by a rotation whose 24-hour overlap
/// is over (they stopped signing at its end already).
///
/// The rollup runs first and a delivered delivery is deleted only once its
/// day is rolled up (`RetentionStore.pruneDeliveries`), so billing never
/// loses what it counted. Leads are kept: reports and usage count them, and
/// `DELETE /v1/leads/{id}` is how a person's data goes.
///
/// Any number of workers may run: the rollup moves each tenant's mark with a
/// compare-and-set, and deleting a row twice deletes it once. On graceful
/// shutdown the batch in flight commits and no new one starts.
public final class RetentionWorker: Service, Sendable {
    public let store: RetentionStore
    let secrets: ChannelSecretStore
    let settings: RetentionSettings
    let logger: Logger
    private let wakeup = Wakeup()

    public init(database: Database, settings: RetentionSettings = RetentionSettings(), logger: Logger) {
        self.store = RetentionStore(database: database)
        self.secrets = ChannelSecretStore(database: database)
        self.settings = settings
        var logger = logger
        logger[metadataKey: "service"] = "retention"
        self.logger = logger
    }

    /// What one pass did.
    public struct Pass: Sendable, Equatable, CustomStringConvertible {
        public var rolledUpDays = 0
        public var idempotencyKeys = 0
        public var timers = 0
        public var attempts = 0
        public var deliveries = 0
        public var events = 0
        /// Replaced webhook signing secrets erased after their overlap.
        public var previousSecrets = 0
        /// Tenants whose rollup or pruning failed in this pass.
        public var failedTenants = 0

        public var description: String {
            "rolled up \(rolledUpDays) day(s); pruned \(idempotencyKeys) idempotency key(s), \(timers) timer(s), "
                + "\(attempts) attempt(s), \(deliveries) deliveries, \(events) event(s); "
                + "erased \(previousSecrets) replaced signing secret(s); \(failedTenants) tenant(s) failed"
        }
    }

    public func run() async throws {
        logger.info("retention worker started", metadata: [
            "retention_days": "\(settings.policy.days)", "interval": "\(settings.interval)", "batch_size": "\(settings.batchSize)",
        ])
        await withGracefulShutdownHandler {
            while !self.wakeup.isStopped, !Task.isCancelled {
                do {
                    let pass = try await self.runOnce(now: self.settings.clock())
                    self.logger.info("retention pass done", metadata: ["pass": "\(pass)"])
                } catch {
                    if Task.isCancelled || self.wakeup.isStopped { break }
                    // The next pass picks up where this one stopped: all it did is committed.
                    self.logger.warning("retention pass failed; trying again next interval", metadata: ["error": "\(String(reflecting: error))"])
                }
                await self.wakeup.sleep(upTo: self.settings.interval)
            }
        } onGracefulShutdown: {
            self.wakeup.stop()
        }
        logger.info("retention worker stopped")
    }

    /// One pass at `now`: what `run()` does each interval; tests with a fake
    /// clock call it directly.
    @discardableResult
    public func runOnce(now: Date) async throws -> Pass {
        var pass = Pass()
        let policy = settings.policy
        let closedBefore = policy.closedBefore(now: now)
        let records = policy.recordsCutoff(now: now)
        let timers = policy.settledTimersCutoff(now: now)
        pass.idempotencyKeys = try await batches { try await self.store.pruneIdempotencyKeys(before: policy.idempotencyCutoff(now: now), limit: $0) }
        pass.previousSecrets = try await secrets.eraseExpiredPreviousSecrets(now: now)
        var after: UUID?
        while !stopping {
            let page = try await store.tenants(after: after, limit: settings.tenantPage)
            for tenant in page where !stopping {
                // One tenant's failure (say, it was deleted meanwhile) does
                // not hold the others back; its next pass tries again.
                do {
                    pass.rolledUpDays += try await rollUp(tenant.id, mark: tenant.rolledUpUntil, closedBefore: closedBefore, now: now)
                    pass.timers += try await batches { try await self.store.pruneSettledTimers(tenantID: tenant.id, before: timers, limit: $0) }
                    pass.attempts += try await batches { try await self.store.pruneAttempts(tenantID: tenant.id, before: records, limit: $0) }
                    pass.deliveries += try await batches { try await self.store.pruneDeliveries(tenantID: tenant.id, before: records, limit: $0) }
                    pass.events += try await batches { try await self.store.pruneEvents(tenantID: tenant.id, before: records, limit: $0) }
                } catch {
                    if stopping { throw error }
                    pass.failedTenants += 1
                    logger.warning("retention of a tenant failed; its next pass tries again", metadata: [
                        "tenant_id": "\(tenant.id.lowercasedString)", "error": "\(String(reflecting: error))",
                    ])
                }
            }
            guard page.count == settings.tenantPage, let last = page.last else { break }
            after = last.id
        }
        return pass
    }

    /// Rolls the tenant's days before `closedBefore` up, one day per
    /// transaction, skipping days with nothing to count; how many it rolled.
    private func rollUp(_ tenantID: UUID, mark: Date?, closedBefore: Date, now: Date) async throws -> Int {
        var mark = mark
        var days = 0
        while !stopping, (mark ?? .distantPast) < closedBefore {
            guard let next = try await store.nextActivity(tenantID: tenantID, from: mark, before: closedBefore) else {
                _ = try await store.advance(tenantID: tenantID, to: closedBefore, expected: mark, now: now)
                break
            }
            let day = UsageDay.start(of: next)
            // Another worker rolled this tenant meanwhile: it carries on.
            guard try await store.rollUp(tenantID: tenantID, day: day, expected: mark, now: now) else { break }
            mark = day.addingTimeInterval(86_400)
            days += 1
        }
        return days
    }

    /// Runs `batch` with the batch size until it deletes less than a full batch.
    private func batches(_ batch: @escaping @Sendable (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while !stopping {
            let deleted = try await batch(settings.batchSize)
            total += deleted
            if deleted < settings.batchSize { break }
        }
        return total
    }

    private var stopping: Bool { wakeup.isStopped || Task.isCancelled }
}
