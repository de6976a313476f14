@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

/// The dispatcher end to end: outbox rows in a real Postgres, sent to real
/// HTTP receivers on loopback, attempts and outcomes read back from the tables.
@Suite("Delivery dispatcher")
struct DeliveryDispatcherTests {
    @Test("a webhook arrives on the first try, signed, with the event exactly as stored")
    func webhookFirstTry() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/hooks/handoff")))
                let (event, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)

                let row = try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: clock)) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery)
                }
                #expect(row.status == "delivered")
                #expect(row.attempts == 1)
                #expect(sameInstant(row.deliveredAt, clock.now))
                #expect(row.lastError == nil)

                let requests = receiver.requests
                try #require(requests.count == 1)
                let request = requests[0]
                #expect(request.method == "POST")
                #expect(request.path == "/hooks/handoff")
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("webhook-id") == event.id.uuidString.lowercased())
                #expect(request.header("webhook-timestamp") == String(Int64(clock.now.timeIntervalSince1970)))
                // The body is the stored payload byte for byte, and it is the event.
                #expect(request.text == (try await h.storedPayload(tenantID: tenant, eventID: event.id)))
                #expect(try HandoffEvent.decode(from: request.body) == event)
                let secret = try await h.channelSecret(tenantID: tenant, channelID: channel)
                try WebhookVerifier(secret: secret).verify(body: request.body, headers: request.headerDictionary, now: Date())
                // Another secret does not verify it.
                #expect(throws: WebhookVerificationError.noMatchingSignature) {
                    try WebhookVerifier(secret: WebhookSecret.generate()).verify(body: request.body, headers: request.headerDictionary, now: Date())
                }

                let attempts = try await h.attempts(tenantID: tenant, deliveryID: delivery)
                try #require(attempts.count == 1)
                #expect(attempts[0].statusCode == 200)
                #expect(attempts[0].error == nil)
                #expect(sameInstant(attempts[0].attemptedAt, clock.now))
                #expect(attempts[0].durationMs >= 0)
            }
        }
    }

    @Test("each claim tells how long after its due time it took the delivery (what serve's intake gate yields to)")
    func sendReportsLateness() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, overdue) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now.addingTimeInterval(-90))
                let reported = NIOLockedValueBox<[Duration]>([])
                let settings = testDeliverySettings(clock: clock, onLateness: { lateness in reported.withLockedValue { $0.append(lateness) } })
                _ = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: overdue)
                }
                let lateness = reported.withLockedValue { $0 }
                try #require(lateness.count == 1)
                #expect(abs((lateness[0] - .seconds(90)) / .milliseconds(1)) < 1, "sent 90 s after it was due: \(lateness[0])")
            }
        }
    }

    @Test("a 500 is retried after the backoff the schedule draws, then delivered; both attempts are recorded")
    func retriedAfterServerError() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, index in index == 0 ? .status(500, body: "database\nis down") : .status(204) }) { receiver in
                let clock = TestClock(Date())
                let firstAttemptAt = clock.now
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (event, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)
                let delay = try #require(expectedDelay(after: 1))
                #expect(delay >= 1 && delay <= RetrySchedule.standard.ceiling(after: 1))

                try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: clock)) { dispatchers in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "pending", attempts: 1)
                    let waiting = try await h.delivery(tenantID: tenant, id: delivery)
                    #expect(waiting.attempts == 1)
                    #expect(sameInstant(waiting.nextAttemptAt, firstAttemptAt.addingTimeInterval(delay)))
                    #expect(waiting.lastError == "the receiver answered 500: database is down")

                    // Not due yet by the dispatcher's clock: nothing more is sent.
                    dispatchers[0].wake()
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.requests.count == 1)

                    clock.advance(by: delay)
                    dispatchers[0].wake()
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                }
                let row = try await h.delivery(tenantID: tenant, id: delivery)
                #expect(row.attempts == 2)
                #expect(sameInstant(row.deliveredAt, firstAttemptAt.addingTimeInterval(delay)))
                #expect(row.lastError == nil)

                let attempts = try await h.attempts(tenantID: tenant, deliveryID: delivery)
                #expect(attempts.map(\.statusCode) == [500, 204])
                #expect(attempts.map(\.error) == ["the receiver answered 500: database is down", nil])
                #expect(attempts.count == 2 && sameInstant(attempts[0].attemptedAt, firstAttemptAt) && sameInstant(attempts[1].attemptedAt, firstAttemptAt.addingTimeInterval(delay)))

                // Same webhook-id on the retry, signed afresh with its own timestamp.
                let requests = receiver.requests
                try #require(requests.count == 2)
                #expect(Set(requests.compactMap { $0.header("webhook-id") }) == [event.id.uuidString.lowercased()])
                #expect(requests[1].header("webhook-timestamp") == String(Int64(firstAttemptAt.addingTimeInterval(delay).timeIntervalSince1970)))
                let secret = try await h.channelSecret(tenantID: tenant, channelID: channel)
                for request in requests {
                    try WebhookVerifier(secret: secret, tolerance: 3600).verify(body: request.body, headers: request.headerDictionary, now: Date())
                }
            }
        }
    }

    @Test("an answer slower than the timeout is recorded as a timeout and retried")
    func slowReceiverTimesOut() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .after(.seconds(5), .status(200)) }) { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)

                let settings = testDeliverySettings(clock: clock, httpTimeout: .milliseconds(500))
                _ = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "pending", attempts: 1)
                }
                let attempts = try await h.attempts(tenantID: tenant, deliveryID: delivery)
                try #require(attempts.count == 1)
                #expect(attempts[0].statusCode == nil)
                #expect(attempts[0].error == "no answer within 0.5 s")
                let row = try await h.delivery(tenantID: tenant, id: delivery)
                #expect(row.status == "pending")
                #expect(sameInstant(row.nextAttemptAt, clock.now.addingTimeInterval(try #require(expectedDelay(after: 1)))))
                #expect(receiver.requests.count == 1)
            }
        }
    }

    @Test("a receiver that never answers costs one timeout, not a hung dispatcher")
    func silentReceiver() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .never }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, silent) = try await h.queue(tenantID: tenant, channelID: channel)

                try await HTTPReceiver.with { healthy in
                    let other = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: healthy.url()))
                    // An hour between attempts: however slow this machine, the
                    // silent receiver gets exactly one.
                    let schedule = RetrySchedule(base: 3600, factor: 2, cap: 3600, jitter: .none, maxAttempts: 3)
                    let settings = testDeliverySettings(httpTimeout: .seconds(1), schedule: schedule)
                    try await withDispatchers(database: h.database, settings: settings) { _ in
                        try await h.waitFor(tenantID: tenant, deliveryID: silent, status: "pending", attempts: 1)
                        // The dispatcher is still working: a delivery queued
                        // afterwards goes out.
                        let (_, later) = try await h.queue(tenantID: tenant, channelID: other)
                        try await h.waitFor(tenantID: tenant, deliveryID: later, status: "delivered")
                    }
                }
                let attempts = try await h.attempts(tenantID: tenant, deliveryID: silent)
                try #require(attempts.count == 1)
                #expect(attempts[0].error == "no answer within 1 s")
                #expect(attempts[0].statusCode == nil)
                #expect(attempts[0].durationMs >= 900)
            }
        }
    }

    @Test("a channel deactivated after the delivery was queued fails it without sending")
    func deactivatedChannel() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
                try await h.setChannelActive(tenantID: tenant, channelID: channel, false)

                let row = try await withDispatchers(database: h.database, settings: testDeliverySettings()) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery)
                }
                #expect(row.status == "failed")
                #expect(row.attempts == 0)
                #expect(row.lastError?.contains("channel \(channel.uuidString.lowercased()) is inactive") == true)
                #expect(row.lastError?.contains("nothing was sent") == true)
                #expect(try await h.attempts(tenantID: tenant, deliveryID: delivery).isEmpty)
                #expect(receiver.requests.isEmpty)
            }
        }
    }

    @Test("private, loopback and metadata targets are refused without HANDOFF_WEBHOOK_ALLOW_PRIVATE, and not retried")
    func privateTargetsRefused() async throws {
        /// Every name resolves to loopback, as a hostile DNS answer would.
        struct LoopbackResolver: HostResolver {
            func addresses(of host: String, port: Int) async throws -> [String] { ["93.184.215.14", "127.0.0.1"] }
        }
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let tenant = try await h.insertTenant()
                let targets: [(url: String, reason: String)] = [
                    ("https://127.0.0.1:\(receiver.port)/hook", "delivery target refused: 127.0.0.1 is a loopback address; only public addresses are allowed"),
                    ("https://169.254.169.254/latest/meta-data", "delivery target refused: 169.254.169.254 is a link-local address; only public addresses are allowed"),
                    ("https://[::ffff:10.0.0.1]/hook", "delivery target refused: 0:0:0:0:0:ffff:a00:1 is a private address; only public addresses are allowed"),
                    ("https://hooks.example.com/hook", "delivery target refused: host 'hooks.example.com' resolves to 127.0.0.1: 127.0.0.1 is a loopback address; only public addresses are allowed"),
                    ("http://\("127.0.0.1"):\(receiver.port)/hook", "delivery target refused: http is not allowed; use an https URL"),
                    ("https://localhost:\(receiver.port)/hook", "delivery target refused: host 'localhost' is loopback"),
                ]
                var deliveries: [(UUID, String)] = []
                for target in targets {
                    let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: target.url))
                    deliveries.append((try await h.queue(tenantID: tenant, channelID: channel).deliveryID, target.reason))
                }
                let slack = try await h.insertChannel(tenantID: tenant, type: .slack, config: ChannelConfig(webhookURL: "https://10.1.2.3/services/T/B/X"))
                deliveries.append((
                    try await h.queue(tenantID: tenant, channelID: slack).deliveryID,
                    "delivery target refused: 10.1.2.3 is a private address; only public addresses are allowed"
                ))

                let settings = testDeliverySettings(allowPrivate: false, resolver: LoopbackResolver())
                let queued = deliveries
                try await withDispatchers(database: h.database, settings: settings) { _ in
                    for (delivery, _) in queued { try await h.waitFor(tenantID: tenant, deliveryID: delivery) }
                }
                for (delivery, reason) in deliveries {
                    let row = try await h.delivery(tenantID: tenant, id: delivery)
                    #expect(row.status == "failed", "\(reason)")
                    #expect(row.lastError == reason)
                    let attempts = try await h.attempts(tenantID: tenant, deliveryID: delivery)
                    #expect(attempts.count == 1)
                    #expect(attempts.first?.error == reason)
                    #expect(attempts.first?.statusCode == nil)
                }
                #expect(receiver.requests.isEmpty)
            }
        }
    }

    @Test("the system resolver finds loopback for localhost")
    func systemResolver() async throws {
        let addresses = try await SystemHostResolver().addresses(of: "localhost", port: 443)
        #expect(addresses.contains("127.0.0.1") || addresses.contains("::1"))
        await #expect(throws: HostResolutionError.self) {
            try await SystemHostResolver().addresses(of: "no-such-host.invalid", port: 443)
        }
    }

    @Test("Slack gets the Block Kit message for the event, in the owner's time zone")
    func slackMessage() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .status(200, body: "ok") }) { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .slack, config: ChannelConfig(webhookURL: receiver.url("/services/T000/B000/XXXX")))
                let (event, delivery) = try await h.queue(.slaWarning, tenantID: tenant, channelID: channel, due: clock.now)

                _ = try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: clock)) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                }
                let request = try #require(receiver.requests.first)
                #expect(request.path == "/services/T000/B000/XXXX")
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("webhook-signature") == nil)
                #expect(request.body == (try SlackMessage(event: event, now: clock.now).encodedJSON()))
                let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
                #expect((json["text"] as? String)?.contains("Jürgen Müller") == true)
                let blocks = try #require(json["blocks"] as? [[String: Any]])
                #expect(!blocks.isEmpty && blocks.count <= SlackMessage.maxBlocks)
                #expect(blocks.first?["type"] as? String == "header")
                #expect(request.text.contains("CET") || request.text.contains("CEST"))
            }
        }
    }

    @Test("a redirect is not followed, and says so")
    func redirectNotFollowed() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ request, _ in
                request.path == "/old" ? .status(301, headers: [("location", "/new")]) : .status(200)
            }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/old")))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
                _ = try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: TestClock(Date()))) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "pending", attempts: 1)
                }
                #expect(receiver.requests.map(\.path) == ["/old"])
                let attempt = try #require(try await h.attempts(tenantID: tenant, deliveryID: delivery).first)
                #expect(attempt.statusCode == 301)
                #expect(attempt.error == "the receiver answered 301, a redirect to /new; redirects are not followed, so point the channel at the final URL")
            }
        }
    }

    @Test("410 Gone fails the delivery at once; a receiver that keeps failing is given up after the last attempt")
    func permanentAndExhausted() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ request, _ in
                request.path == "/gone" ? .status(410, body: "endpoint removed") : .status(503, body: "maintenance")
            }) { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let gone = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/gone")))
                let down = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url("/down")))
                let (_, goneDelivery) = try await h.queue(tenantID: tenant, channelID: gone, due: clock.now)
                let (_, downDelivery) = try await h.queue(tenantID: tenant, channelID: down, due: clock.now)
                // Three attempts, 2 s and 4 s apart.
                let schedule = RetrySchedule(base: 2, factor: 2, cap: 60, jitter: .none, maxAttempts: 3)

                try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: clock, schedule: schedule)) { dispatchers in
                    try await h.waitFor(tenantID: tenant, deliveryID: goneDelivery, status: "failed")
                    for attempt in 1...2 {
                        try await h.waitFor(tenantID: tenant, deliveryID: downDelivery, status: "pending", attempts: attempt)
                        let row = try await h.delivery(tenantID: tenant, id: downDelivery)
                        #expect(sameInstant(row.nextAttemptAt, clock.now.addingTimeInterval(schedule.ceiling(after: attempt))))
                        clock.advance(by: schedule.ceiling(after: attempt))
                        dispatchers[0].wake()
                    }
                    try await h.waitFor(tenantID: tenant, deliveryID: downDelivery, status: "failed")
                }
                let goneRow = try await h.delivery(tenantID: tenant, id: goneDelivery)
                #expect(goneRow.lastError == "the receiver answered 410 Gone: endpoint removed; it says this endpoint is gone for good")
                #expect(try await h.attempts(tenantID: tenant, deliveryID: goneDelivery).count == 1)

                let downRow = try await h.delivery(tenantID: tenant, id: downDelivery)
                #expect(downRow.attempts == 3)
                #expect(downRow.lastError?.hasPrefix("the receiver answered 503: maintenance (gave up after 3 attempts;") == true)
                #expect(try await h.attempts(tenantID: tenant, deliveryID: downDelivery).map(\.statusCode) == [503, 503, 503])
            }
        }
    }

    @Test("a NOTIFY from another connection wakes an idle dispatcher at once, long before its poll")
    func notifyWakes() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let listening = ListeningFlag()
                let settings = testDeliverySettings(pollInterval: .seconds(600), onListening: { listening.set() })
                try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await listening.wait()
                    // Let the start-up resync find nothing and go to sleep.
                    try await Task.sleep(for: .milliseconds(200))
                    let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel)
                    #expect(try await h.delivery(tenantID: tenant, id: delivery).status == "pending")
                    // As intake does after its commit, on a connection of its own.
                    try await h.client.query("SELECT pg_notify('handoff_deliveries', '')", logger: h.logger)
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                }
                #expect(receiver.requests.count == 1)
            }
        }
    }

    @Test("a delivery due in the future is sent when it falls due, by the dispatcher's own timer")
    func timerWakes() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                // Queued before the dispatcher starts and never notified: only
                // its timer can find it.
                let due = Date().addingTimeInterval(1.5)
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: due)
                let settings = testDeliverySettings(pollInterval: .seconds(600))
                _ = try await withDispatchers(database: h.database, settings: settings) { _ in
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                }
                let attempt = try #require(try await h.attempts(tenantID: tenant, deliveryID: delivery).first)
                #expect(attempt.attemptedAt.timeIntervalSince(due) >= -0.001, "sent before it was due")
                #expect(receiver.requests.count == 1)
            }
        }
    }

    @Test("tenants take turns: one tenant's backlog does not queue another tenant's newer delivery behind it")
    func tenantsTakeTurns() async throws {
        try await DeliveryHarness.run { h in
            let clock = TestClock(Date())
            let busy = try await h.insertTenant("Busy")
            let quiet = try await h.insertTenant("Quiet")
            let busyChannel = try await h.insertChannel(tenantID: busy, type: .webhook, config: ChannelConfig(url: "https://example.com/busy"))
            let quietChannel = try await h.insertChannel(tenantID: quiet, type: .webhook, config: ChannelConfig(url: "https://example.com/quiet"))
            var backlog: [UUID] = []
            for index in 0..<30 {
                backlog.append(try await h.queue(tenantID: busy, channelID: busyChannel, due: clock.now.addingTimeInterval(Double(index) - 60)).1)
            }
            let (_, newest) = try await h.queue(tenantID: quiet, channelID: quietChannel, due: clock.now)

            let store = DeliveryStore(database: h.database)
            let lease = clock.now.addingTimeInterval(30)
            let first = try await store.claim(limit: 5, now: clock.now, leaseUntil: lease)
            // The quiet tenant's only delivery, though the newest of all, and the busy tenant's oldest four.
            #expect(Set(first.claimed.map(\.id)) == Set([newest] + backlog.prefix(4)))
            let rest = try await store.claim(limit: 100, now: clock.now, leaseUntil: lease)
            #expect(rest.claimed.map(\.id) == Array(backlog.dropFirst(4)), "the rest, oldest first, each once")
        }
    }

    @Test("a claim whose sender died is sent again when its lease runs out; the late sender cannot overwrite the outcome")
    func expiredLease() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with { receiver in
                let clock = TestClock(Date())
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                let (_, delivery) = try await h.queue(tenantID: tenant, channelID: channel, due: clock.now)

                // A dispatcher claims it with a 30 s lease, then dies mid-send.
                let store = DeliveryStore(database: h.database)
                let abandoned = try await store.claim(limit: 10, now: clock.now, leaseUntil: clock.now.addingTimeInterval(30))
                try #require(abandoned.claimed.map(\.id) == [delivery])
                #expect(abandoned.claimed[0].attempt == 1)
                #expect(try await store.claim(limit: 10, now: clock.now, leaseUntil: clock.now.addingTimeInterval(30)).claimed.isEmpty)

                try await withDispatchers(database: h.database, settings: testDeliverySettings(clock: clock)) { dispatchers in
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.requests.isEmpty)
                    clock.advance(by: 30)
                    dispatchers[0].wake()
                    try await h.waitFor(tenantID: tenant, deliveryID: delivery, status: "delivered")
                }
                #expect(receiver.requests.count == 1)
                #expect(try await h.delivery(tenantID: tenant, id: delivery).attempts == 2)

                // The first sender comes back from the dead with a failure.
                let owned = try await store.record(
                    abandoned.claimed[0], attemptedAt: clock.now, durationMs: 30_000,
                    result: .retryable("no answer within 10 s"),
                    transition: DeliveryTransition(status: .pending, nextAttemptAt: clock.now.addingTimeInterval(10), lastError: "no answer within 10 s", deliveredAt: nil),
                    now: clock.now
                )
                #expect(!owned)
                let row = try await h.delivery(tenantID: tenant, id: delivery)
                #expect(row.status == "delivered")
                #expect(row.lastError == nil)
                // Its attempt did happen, so it is in the log.
                #expect(try await h.attempts(tenantID: tenant, deliveryID: delivery).count == 2)
            }
        }
    }

    @Test("two dispatchers on the same rows send each delivery exactly once", .timeLimit(.minutes(2)))
    func twoDispatchersNoDoubleSend() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, index in index % 7 == 0 ? .after(.milliseconds(30), .status(200)) : .status(200) }) { receiver in
                let tenants = [try await h.insertTenant("A"), try await h.insertTenant("B")]
                var channels: [UUID: UUID] = [:]
                for tenant in tenants {
                    channels[tenant] = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                }
                var eventIDs: Set<String> = []
                for index in 0..<200 {
                    let tenant = tenants[index % 2]
                    let (event, _) = try await h.queue(tenantID: tenant, channelID: channels[tenant]!)
                    eventIDs.insert(event.id.uuidString.lowercased())
                }
                // No send may time out here: a timed-out send is retried, and
                // at-least-once would then rightly deliver an id twice.
                let settings = testDeliverySettings(httpTimeout: .seconds(60), concurrency: 8)
                try await withDispatchers(2, database: h.database, settings: settings) { _ in
                    let deadline = ContinuousClock.now + .seconds(90)
                    while ContinuousClock.now < deadline {
                        if try await h.count("SELECT count(*)::int8 FROM deliveries WHERE status = 'delivered'") == 200 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(try await h.count("SELECT count(*)::int8 FROM deliveries WHERE status = 'delivered' AND attempts = 1") == 200)
                #expect(try await h.count("SELECT count(*)::int8 FROM delivery_attempts") == 200)
                let received = receiver.requests.compactMap { $0.header("webhook-id") }
                #expect(received.count == 200)
                #expect(Set(received) == eventIDs)
            }
        }
    }

    @Test("graceful shutdown lets the sends in flight finish and records them")
    func gracefulShutdown() async throws {
        try await DeliveryHarness.run { h in
            try await HTTPReceiver.with({ _, _ in .after(.milliseconds(800), .status(200)) }) { receiver in
                let tenant = try await h.insertTenant()
                let channel = try await h.insertChannel(tenantID: tenant, type: .webhook, config: ChannelConfig(url: receiver.url()))
                var deliveries: [UUID] = []
                for _ in 0..<5 { deliveries.append(try await h.queue(tenantID: tenant, channelID: channel).deliveryID) }
                _ = try await withDispatchers(database: h.database, settings: testDeliverySettings(httpTimeout: .seconds(60))) { _ in
                    try await receiver.waitForRequests(5)
                    // Shut down while all five wait for their answers.
                }
                for delivery in deliveries {
                    #expect(try await h.delivery(tenantID: tenant, id: delivery).status == "delivered")
                }
            }
        }
    }
}
