import AsyncHTTPClient
import Foundation
import HandoffCore
import HandoffStore
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// Sends what the outbox holds: webhooks, Slack messages and e-mails.
///
/// It wakes on a NOTIFY on `handoff_deliveries` (intake and retries raise
/// `OutboxSignal` after commit), on its own timer for the earliest pending `next_attempt_at`,
/// and at least every `pollInterval` as a safety net for notifications missed
/// while the LISTEN connection was down. Each time it claims due deliveries,
/// up to 8 × `concurrency` not yet sent, leases them (see `DeliveryStore`),
/// sends them `concurrency` at a time, and records the attempts in batches
/// (`AttemptRecorder`) as they end. Any number of dispatchers, in any number of processes, can run
/// against one database: `SKIP LOCKED` and the lease keep them apart.
///
/// On graceful shutdown it claims nothing more and lets the sends in flight
/// finish and be recorded (each is bounded by its timeout). Cancelled
/// outright, it abandons them unrecorded; their leases run out and another
/// dispatcher sends them again.
public final class DeliveryDispatcher: Service, Sendable {
    let store: DeliveryStore
    let settings: DeliverySettings
    let logger: Logger
    private let wakeup = Wakeup()
    /// Deliveries claimed and not yet sent: sending, or waiting for one of
    /// the `concurrency` sending slots.
    private let inFlight = NIOLockedValueBox(0)
    private let sendSlots: SendSlots
    /// How many deliveries may be claimed ahead of the sending slots. The
    /// claim is the loop's serial step (a transaction: quick on an idle
    /// machine, far slower on a busy one); claiming several slots' worth at
    /// once keeps the slots busy meanwhile. A claimed delivery may wait in
    /// line longer than its lease (behind e-mails that each take the SMTP
    /// timeout, or other tenants' turns), so each one renews its lease right
    /// before its send when needed, and is not sent when another claim has
    /// taken it over meanwhile (`DeliveryLease`).
    private let prefetch: Int
    private let recorder: AttemptRecorder
    /// Attempts sent but not yet written beyond which nothing more is
    /// claimed: the database sets the pace, and no lease runs out in a queue.
    private let maxUnrecorded: Int

    public init(database: Database, settings: DeliverySettings, logger: Logger) {
        let store = DeliveryStore(database: database)
        let wakeup = self.wakeup
        self.store = store
        self.settings = settings
        self.recorder = AttemptRecorder(store: store, clock: settings.clock, afterBatch: { wakeup.ring() })
        self.maxUnrecorded = max(64, settings.concurrency * 8)
        self.sendSlots = SendSlots(settings.concurrency)
        self.prefetch = settings.concurrency * 8
        var logger = logger
        logger[metadataKey: "service"] = "deliveries"
        self.logger = logger
    }

    /// Look for due deliveries now, in this process. Other processes hear
    /// a NOTIFY on `handoff_deliveries` (`OutboxSignal`) instead.
    public func wake() {
        wakeup.ring()
    }

    public func run() async throws {
        let http = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: Self.httpConfiguration(settings),
            backgroundActivityLogger: logger
        )
        let pinned = PinnedHTTPClients(configuration: Self.httpConfiguration(settings))
        let senders = Senders(
            settings: settings,
            http: HTTPDelivery(
                client: http, pinned: pinned, policy: DeliveryTargetPolicy(allowPrivate: settings.allowPrivateTargets),
                resolver: settings.resolver, timeout: settings.httpTimeout, maxResponseBytes: settings.maxResponseBytes
            ),
            smtp: SMTPClient(timeout: settings.smtpTimeout, logger: logger)
        )
        logger.info("delivery dispatcher started", metadata: [
            "concurrency": "\(settings.concurrency)", "smtp": "\(settings.smtp.map(\.description) ?? "not configured")",
            "allow_private_targets": "\(settings.allowPrivateTargets)",
        ])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // Each (re)start of the LISTEN rings too: anything notified
                // while it was down is gone, so look at the table.
                let listener = NotificationListener(client: self.store.database.client, channel: OutboxSignal.deliveries, logger: self.logger)
                group.addTask {
                    await listener.run(
                        onListening: {
                            self.wakeup.ring()
                            self.settings.onListening?()
                        },
                        onNotification: { _ in self.wakeup.ring() }
                    )
                }
                await self.dispatch(senders)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeup.stop()
        }
        try? await http.shutdown()
        await pinned.shutdown()
        logger.info("delivery dispatcher stopped")
    }

    static func httpConfiguration(_ settings: DeliverySettings) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(Int64(settings.httpTimeout.timeInterval * 1e9)))
        )
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = settings.concurrency
        configuration.decompression = .disabled
        return configuration
    }

    // MARK: - The loop

    private func dispatch(_ senders: Senders) async {
        await withDiscardingTaskGroup { group in
            var failures = 0
            // Since when the dispatcher has had room to claim: a due row it
            // had no room for waited on the sends ahead of it (remote
            // receivers), which is not lateness intake should yield to.
            var claimableSince = Date.distantPast
            var full = false
            while !wakeup.isStopped, !Task.isCancelled {
                let free = recorder.backlog >= maxUnrecorded ? 0 : prefetch - inFlight.withLockedValue { $0 }
                var pause = settings.pollInterval
                if free <= 0 {
                    full = true
                } else if full {
                    full = false
                    claimableSince = settings.clock()
                }
                if free > 0 {
                    do {
                        let now = settings.clock()
                        let claim = try await store.claim(
                            limit: free, now: now, leaseUntil: now.addingTimeInterval(settings.lease.timeInterval)
                        )
                        failures = 0
                        for delivery in claim.claimed {
                            settings.onLateness?(Duration(timeInterval: DeliveryLateness.atClaim(
                                dueAt: delivery.dueAt, claimableSince: claimableSince, claimedAt: now
                            )))
                        }
                        for dropped in claim.dropped {
                            logger.notice("delivery failed without a send", metadata: [
                                "tenant_id": "\(dropped.tenantID)", "delivery_id": "\(dropped.id)", "reason": "\(dropped.reason)",
                            ])
                            Self.count(type: "unknown", outcome: "dropped")
                        }
                        for delivery in claim.claimed {
                            inFlight.withLockedValue { $0 += 1 }
                            group.addTask {
                                guard await self.sendSlots.acquire(for: delivery.tenantID) else {
                                    // Cancelled: the lease brings it back.
                                    self.inFlight.withLockedValue { $0 -= 1 }
                                    return
                                }
                                await self.deliver(delivery, senders)
                            }
                        }
                        // A full claim means more may be due right now.
                        if claim.examined == free { continue }
                        if let next = try await store.nextDue() {
                            let wait = next.timeIntervalSince(settings.clock())
                            // Due but not claimable: another dispatcher's claim
                            // holds it for a moment. Look again shortly.
                            pause = min(pause, Duration(timeInterval: max(wait, 0.05)))
                        }
                    } catch {
                        if Task.isCancelled || wakeup.isStopped { break }
                        failures += 1
                        pause = min(settings.pollInterval, .milliseconds(100) * (1 << min(failures, 6)))
                        logger.warning("could not claim deliveries; trying again", metadata: [
                            "error": "\(String(reflecting: error))", "retry_in": "\(pause)",
                        ])
                    }
                }
                await wakeup.sleep(upTo: pause)
            }
        }
    }

    private func releaseSlot() {
        sendSlots.release()
        inFlight.withLockedValue { $0 -= 1 }
        // Room to claim more: let the loop look (a ring while it claims
        // makes it look once more right after).
        wakeup.ring()
    }

    /// One attempt, start to record. The sending slot is freed when the send
    /// ends; the attempt is then written with others that ended meanwhile.
    private func deliver(_ delivery: ClaimedDelivery, _ senders: Senders) async {
        guard await stillOurs(delivery) else {
            releaseSlot()
            return
        }
        let attemptedAt = settings.clock()
        let started = ContinuousClock.now
        let result = await senders.send(delivery, at: attemptedAt)
        let elapsed = ContinuousClock.now - started
        releaseSlot()
        // Cancelled (not a graceful stop): leave the row to its lease.
        if Task.isCancelled { return }
        let now = settings.clock()
        var random = InjectedRandom(source: settings.random)
        let transition = DeliveryTransition.after(
            result, attempt: delivery.attempt, at: now, schedule: settings.schedule, random: &random
        )
        let durationMs = Int((elapsed.timeInterval * 1000).rounded())
        var metadata: Logger.Metadata = [
            "tenant_id": "\(delivery.tenantID)", "delivery_id": "\(delivery.id)", "event_id": "\(delivery.eventID)",
            "channel": "\(delivery.channelType.rawValue)", "attempt": "\(delivery.attempt)",
            "status": "\(transition.status.rawValue)", "duration_ms": "\(durationMs)",
        ]
        if let code = result.statusCode { metadata["status_code"] = "\(code)" }
        if let error = result.error { metadata["error"] = "\(error)" }
        if let detail = result.detail { metadata["detail"] = "\(detail)" }
        if let next = transition.nextAttemptAt { metadata["next_attempt_at"] = "\(RFC3339Timestamp.format(next))" }
        do {
            let owned = try await recorder.record(DeliveryStore.Attempt(
                delivery: delivery, attemptedAt: attemptedAt, durationMs: durationMs, result: result, transition: transition
            ))
            if !owned {
                logger.notice("attempt recorded, but its lease had run out and another claim took the delivery over", metadata: metadata)
            } else if result.kind == .delivered {
                logger.debug("delivered", metadata: metadata)
            } else {
                logger.info("delivery attempt failed", metadata: metadata)
            }
        } catch {
            metadata["record_error"] = "\(String(reflecting: error))"
            logger.error("could not record a delivery attempt; it will be sent again when its lease runs out", metadata: metadata)
        }
        Self.count(type: delivery.channelType.rawValue, outcome: result.kind.rawValue)
        Metrics.Timer(label: "handoff_delivery_attempt_duration_seconds", dimensions: [("type", delivery.channelType.rawValue)])
            .recordNanoseconds(Int64(elapsed.timeInterval * 1e9))
    }

    /// Renews the lease if it would not outlast the send (see
    /// `DeliveryLease`); false when the delivery must not be sent now: a later
    /// claim owns it, or the renewal could not be written (the lease then
    /// brings it back).
    private func stillOurs(_ delivery: ClaimedDelivery) async -> Bool {
        let now = settings.clock()
        let timeout = delivery.channelType == .email ? settings.smtpTimeout : settings.httpTimeout
        guard let until = DeliveryLease.renewal(
            leaseUntil: delivery.leaseUntil, now: now, sendTimeout: timeout.timeInterval, lease: settings.lease.timeInterval
        ) else { return true }
        let metadata: Logger.Metadata = [
            "tenant_id": "\(delivery.tenantID)", "delivery_id": "\(delivery.id)", "attempt": "\(delivery.attempt)",
        ]
        do {
            if try await store.renewLease(delivery, until: until, now: now) { return true }
            logger.notice("not sent: its lease ran out while it waited for a sending slot, and a later claim took it over", metadata: metadata)
        } catch {
            var metadata = metadata
            metadata["error"] = "\(String(reflecting: error))"
            logger.warning("not sent: could not renew its lease; it is sent when the lease runs out", metadata: metadata)
        }
        return false
    }

    static func count(type: String, outcome: String) {
        Counter(label: "handoff_delivery_attempts_total", dimensions: [("type", type), ("outcome", outcome)]).increment()
    }

}

/// One sender per channel type.
struct Senders: Sendable {
    let webhook: WebhookSender
    let slack: SlackSender
    let email: EmailSender

    init(settings: DeliverySettings, http: HTTPDelivery, smtp: SMTPClient) {
        webhook = WebhookSender(http: http, secretKey: settings.secretKey)
        slack = SlackSender(http: http)
        email = EmailSender(client: smtp, configuration: settings.smtp)
    }

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        switch delivery.channelType {
        case .webhook: await webhook.send(delivery, at: now)
        case .slack: await slack.send(delivery, at: now)
        case .email: await email.send(delivery, at: now)
        }
    }
}
