@testable import HandoffTestSupport
import Foundation
import HandoffAPI
import HandoffCore
import HandoffStore
import HandoffWorkers
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

/// What one tenant's trouble must not do to the others' deliveries, and what
/// a slow send must not do to its own delivery: be sent twice.
@Suite("Delivery fault isolation")
struct DeliveryFaultIsolationTests {
    @Test("a suspended tenant's deliveries are held, not failed, and go out once it is reactivated")
    func suspendedTenantIsHeld() async throws {
        try await DeliveryHarness.run { h in
            let clock = TestClock(Date())
            let suspended = try await h.insertTenant("Suspended")
            let active = try await h.insertTenant("Active")
            let config = ChannelConfig(url: "https://hooks.example.com/x")
            let heldChannel = try await h.insertChannel(tenantID: suspended, type: .webhook, config: config)
            let activeChannel = try await h.insertChannel(tenantID: active, type: .webhook, config: config)
            let (_, held) = try await h.queue(tenantID: suspended, channelID: heldChannel, due: clock.now)
            let (_, sent) = try await h.queue(tenantID: active, channelID: activeChannel, due: clock.now)
            try await h.client.query("UPDATE tenants SET status = 'suspended' WHERE id = \(suspended)", logger: h.logger)

            let store = DeliveryStore(database: h.database)
            let lease = clock.now.addingTimeInterval(60)
            let claim = try await store.claim(limit: 10, now: clock.now, leaseUntil: lease)
            #expect(claim.claimed.map(\.id) == [sent])
            #expect(claim.dropped.isEmpty)
            let row = try await h.delivery(tenantID: suspended, id: held)
            #expect(row.status == "pending" && row.attempts == 0 && row.lastError == nil)
            // The dispatcher sleeps towards the active tenant's lease, not the held row.
            #expect(sameInstant(try await store.nextDue(), lease))

            try await h.client.query("UPDATE tenants SET status = 'active' WHERE id = \(suspended)", logger: h.logger)
            let resumed = try await store.claim(limit: 10, now: clock.now, leaseUntil: lease)
            #expect(resumed.claimed.map(\.id) == [held])
        }
    }

    @Test("a delivery that waits in the queue past its lease is still sent once", .timeLimit(.minutes(2)))
    func leaseShorterThanTheQueueSendsOnce() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .after(.seconds(1), .status(200)) }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                var deliveries: [UUID] = []
                for _ in 0..<5 { deliveries.append(try await h.queue(tenantID: tenant, channelID: channel).deliveryID) }
                // One send at a time, each a second, all five claimed at once
                // with a one-second lease: the last ones wait far past it.
                var settings = testDeliverySettings(concurrency: 1)
                settings.lease = .seconds(1)
                let queued = deliveries
                try await withDispatchers(database: h.database, settings: settings) { _ in
                    for delivery in queued {
                        try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                    }
                }
                let ids = receiver.requests.compactMap { $0.header("webhook-id") }
                #expect(ids.count == 5, "each delivery sent once: \(ids.count) sends")
                #expect(Set(ids).count == 5)
            }
        }
    }

    @Test("one attempt the database refuses does not cost the other tenants' attempts in its batch their record")
    func oneUnrecordableAttemptLeavesTheOthersRecorded() async throws {
        try await DeliveryHarness.run { h in
            let clock = TestClock(Date())
            let config = ChannelConfig(url: "https://hooks.example.com/x")
            var queued: [(tenant: UUID, delivery: UUID)] = []
            for name in ["A", "B", "C"] {
                let tenant = try await h.insertTenant(name)
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: config)
                queued.append((tenant, try await h.queue(tenantID: tenant, channelID: channel, due: clock.now).deliveryID))
            }
            let store = DeliveryStore(database: h.database)
            let claim = try await store.claim(limit: 10, now: clock.now, leaseUntil: clock.now.addingTimeInterval(60))
            try #require(claim.claimed.count == 3)
            // B's delivery is gone by the time its attempt is written (its
            // row was erased meanwhile): that one row cannot be recorded.
            let gone = queued[1]
            try await h.client.query("DELETE FROM deliveries WHERE tenant_id = \(gone.tenant) AND id = \(gone.delivery)", logger: h.logger)
            let delivered = DeliveryTransition(status: .delivered, nextAttemptAt: nil, lastError: nil, deliveredAt: clock.now)
            let attempts = claim.claimed.map {
                DeliveryStore.Attempt(delivery: $0, attemptedAt: clock.now, durationMs: 5, result: .delivered(statusCode: 200), transition: delivered)
            }
            _ = try? await store.record(attempts, now: clock.now)

            for (tenant, delivery) in [queued[0], queued[2]] {
                #expect(try await h.attempts(tenantID: tenant, deliveryID: delivery).count == 1)
                #expect(try await h.delivery(tenantID: tenant, id: delivery).status == "delivered")
            }
        }
    }

    @Test("an error text with NUL and control characters is recorded, cleaned")
    func controlCharactersInAnErrorAreRecorded() async throws {
        try await DeliveryHarness.run { h in
            let clock = TestClock(Date())
            let (tenant, delivery) = try await h.queueWebhookDelivery(due: clock.now)
            let store = DeliveryStore(database: h.database)
            let claimed = try #require(try await store.claim(limit: 10, now: clock.now, leaseUntil: clock.now.addingTimeInterval(60)).claimed.first)
            let text = "could not resolve a\u{0}b.example.com\u{1B}[31m"
            let failed = DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: text, deliveredAt: nil)
            let attempt = DeliveryStore.Attempt(
                delivery: claimed, attemptedAt: clock.now, durationMs: 5, result: .permanent(text), transition: failed
            )
            _ = try? await store.record([attempt], now: clock.now)

            let recorded = try await h.attempts(tenantID: tenant, deliveryID: delivery)
            #expect(recorded.map(\.error) == ["could not resolve ab.example.com[31m"])
            let row = try await h.delivery(tenantID: tenant, id: delivery)
            #expect(row.status == "failed" && row.lastError == "could not resolve ab.example.com[31m")
        }
    }

    @Test("a sender whose claim was overtaken cannot overwrite the outcome after a retry restarted the attempt count")
    func retryDoesNotReopenTheFence() async throws {
        try await DeliveryHarness.run { h in
            let clock = TestClock(Date())
            let (tenant, delivery) = try await h.queueWebhookDelivery(due: clock.now)
            let store = DeliveryStore(database: h.database)
            let lease: TimeInterval = 30

            // A dispatcher claims attempt 1 and stalls; its lease runs out.
            let stale = try #require(try await store.claim(limit: 1, now: clock.now, leaseUntil: clock.now.addingTimeInterval(lease)).claimed.first)
            clock.advance(by: lease)
            // Another takes it over and gives up on it for good.
            let second = try #require(try await store.claim(limit: 1, now: clock.now, leaseUntil: clock.now.addingTimeInterval(lease)).claimed.first)
            let gone = DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: "410 Gone", deliveredAt: nil)
            #expect(try await store.record(second, attemptedAt: clock.now, durationMs: 5, result: .permanent("410 Gone"), transition: gone, now: clock.now))
            // The tenant retries; a new claim starts over at attempt 1.
            let retried = try await store.retry(tenantID: tenant, id: delivery, now: clock.now)
            guard case .retried = retried else { throw TestFailure("retry answered \(retried)") }
            let fresh = try #require(try await store.claim(limit: 1, now: clock.now, leaseUntil: clock.now.addingTimeInterval(lease)).claimed.first)
            #expect(fresh.attempt == stale.attempt)

            // The stalled sender comes back: it no longer owns the delivery.
            let timeout = DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: "stale", deliveredAt: nil)
            let owned = try await store.record(stale, attemptedAt: clock.now, durationMs: 30_000, result: .permanent("stale"), transition: timeout, now: clock.now)
            #expect(!owned)
            let row = try await h.delivery(tenantID: tenant, id: delivery)
            #expect(row.status == "pending" && row.lastError == nil)
        }
    }

    @Test("a tenant's deliveries queued behind a slow receiver do not lower the intake limit")
    func slowReceiverDoesNotThrottleIntake() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .after(.seconds(2), .status(200)) }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let gate = IntakeGate(admission: IntakeAdmission(maximum: 8, minimum: 2, tolerated: .seconds(1)))
                let listening = ListeningFlag()
                let reports = NIOLockedValueBox(0)
                // One sending slot: the second and third sends wait 2 and 4 s for it.
                let settings = testDeliverySettings(
                    concurrency: 1, onListening: { listening.set() },
                    onLateness: { lateness in
                        reports.withLockedValue { $0 += 1 }
                        gate.report(lateness: lateness)
                    }
                )
                try await withDispatchers(database: h.database, settings: settings) { dispatchers in
                    try await listening.wait()
                    var deliveries: [UUID] = []
                    for _ in 0..<3 { deliveries.append(try await h.queue(tenantID: tenant, channelID: channel).deliveryID) }
                    dispatchers[0].wake()
                    for delivery in deliveries {
                        try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                    }
                }
                #expect(reports.withLockedValue { $0 } >= 3, "the dispatcher still reports")
                gate.adjust()
                #expect(gate.limit == 8)
            }
        }
    }

    @Test("a receiver that cannot be reached gets a generic error: no address, no errno (no port-scan oracle)")
    func unreachableReceiverGetsAGenericError() async throws {
        try await DeliveryHarness.run { h in
            // Accepts the connection, reads the request, hangs up.
            try await HTTPReceiver.with({ _, _ in .close }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
                _ = try await withDispatchers(database: h.database, settings: testDeliverySettings()) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "pending", attempts: 1)
                }
                let attempts = try await h.attempts(tenantID: tenant, deliveryID: delivery)
                #expect(attempts.first?.error == "could not connect to the receiver")
                #expect(try await h.delivery(tenantID: tenant, id: delivery).lastError == "could not connect to the receiver")
            }
        }
    }

    /// Resolves every name to loopback, as a rebinding name answers the check.
    struct LoopbackResolver: HostResolver {
        func addresses(of host: String, port: Int) async throws -> [String] { ["127.0.0.1"] }
    }

    @Test("a webhook connects to the address the target check approved, not to a second lookup of the name")
    func connectsToTheCheckedAddress() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                // A name no system resolver knows (RFC 6761): only the checked
                // address can lead the request to the receiver.
                let host = "receiver.handoff.invalid"
                let url = "http://\(host):\(receiver.port)/hook"
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: url))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
                let settings = testDeliverySettings(httpTimeout: .seconds(5), resolver: LoopbackResolver())
                _ = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered", timeout: .seconds(15))
                }
                #expect(receiver.requests.map { $0.header("host") } == ["\(host):\(receiver.port)"])
            }
        }
    }
}

extension DeliveryHarness {
    /// One pending webhook delivery of a new tenant, due at `due`.
    func queueWebhookDelivery(due: Date) async throws -> (tenant: UUID, delivery: UUID) {
        let tenant = try await insertTenant()
        let channel = try await insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: "https://hooks.example.com/x"))
        let (_, delivery) = try await queue(tenantID: tenant, channelID: channel, due: due)
        return (tenant, delivery)
    }
}
