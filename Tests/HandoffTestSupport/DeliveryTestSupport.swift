import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle
import Testing

/// A set-up of one fresh database with a running client, rows inserted with
/// plain SQL as the superuser (RLS does not apply to it), and dispatchers run
/// as services.
struct DeliveryHarness: Sendable {
    let database: Database

    var client: PostgresClient { database.client }
    var logger: Logger { database.logger }

    static func run(_ body: @escaping @Sendable (DeliveryHarness) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { name in
            let client = PostgresClient(configuration: try TestDatabase.configuration(database: name), backgroundLogger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                do {
                    try await body(DeliveryHarness(database: Database(client: client, logger: TestDatabase.logger)))
                    group.cancelAll()
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        }
    }

    // MARK: rows

    @discardableResult
    func insertTenant(_ name: String = "Acme") async throws -> UUID {
        try await Self.insertTenant(name, client: client, logger: logger)
    }

    static func insertTenant(_ name: String, client: PostgresClient, logger: Logger) async throws -> UUID {
        let id = UUID.v7()
        try await client.query("INSERT INTO tenants (id, name) VALUES (\(id), \(name))", logger: logger)
        return id
    }

    /// A channel as the config API stores it: `config` is the wire JSON.
    func insertChannel(
        tenantID: UUID, type: NotificationChannel.Kind, config: ChannelConfig,
        secret: String? = nil, active: Bool = true
    ) async throws -> UUID {
        let id = UUID.v7()
        let json = String(decoding: try WireJSON.encode(config), as: UTF8.self)
        let secret = secret ?? (type == .webhook ? WebhookSecret.generate().text : nil)
        try await client.query(
            """
            INSERT INTO channels (tenant_id, id, name, type, config, secret, events, active)
            VALUES (\(tenantID), \(id), \("\(type.rawValue) channel"), \(type.rawValue), \(json)::jsonb, \(secret),
                    \(EventType.allCases.map(\.rawValue)), \(active))
            """,
            logger: logger
        )
        return id
    }

    func channelSecret(tenantID: UUID, channelID: UUID) async throws -> WebhookSecret {
        let rows = try await client.query("SELECT secret FROM channels WHERE tenant_id = \(tenantID) AND id = \(channelID)", logger: logger)
        for try await (secret,) in rows.decode((String?,).self) {
            if let secret, let parsed = WebhookSecret(secret) { return parsed }
        }
        throw TestFailure("channel \(channelID) has no secret")
    }

    func setChannelActive(tenantID: UUID, channelID: UUID, _ active: Bool) async throws {
        try await client.query("UPDATE channels SET active = \(active) WHERE tenant_id = \(tenantID) AND id = \(channelID)", logger: logger)
    }

    func insertEvent(_ event: HandoffEvent) async throws {
        try await Self.insertEvent(event, client: client, logger: logger)
    }

    static func insertEvent(_ event: HandoffEvent, client: PostgresClient, logger: Logger) async throws {
        let json = String(decoding: try event.encodedJSON(), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
            VALUES (\(event.tenantID), \(event.id), \(event.type.rawValue), \(event.data.lead.id), \(json)::jsonb, \(event.createdAt))
            """,
            logger: logger
        )
    }

    /// Due at `due`, or now by the database's clock.
    @discardableResult
    func insertDelivery(tenantID: UUID, eventID: UUID, channelID: UUID, due: Date? = nil) async throws -> UUID {
        try await Self.insertDelivery(tenantID: tenantID, eventID: eventID, channelID: channelID, due: due, client: client, logger: logger)
    }

    static func insertDelivery(
        tenantID: UUID, eventID: UUID, channelID: UUID, due: Date? = nil, client: PostgresClient, logger: Logger
    ) async throws -> UUID {
        let id = UUID.v7()
        try await client.query(
            """
            INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at)
            VALUES (\(tenantID), \(id), \(eventID), \(channelID), coalesce(\(due)::timestamptz, now()))
            """,
            logger: logger
        )
        return id
    }

    /// An event with a delivery to `channelID`, due now.
    @discardableResult
    func queue(
        _ type: EventType = .leadAssigned, tenantID: UUID, channelID: UUID, due: Date? = nil
    ) async throws -> (event: HandoffEvent, deliveryID: UUID) {
        let event = DeliveryTestEvents.event(type, tenantID: tenantID)
        try await insertEvent(event)
        let id = try await insertDelivery(tenantID: tenantID, eventID: event.id, channelID: channelID, due: due)
        return (event, id)
    }

    func storedPayload(tenantID: UUID, eventID: UUID) async throws -> String {
        let rows = try await client.query("SELECT payload::text FROM events WHERE tenant_id = \(tenantID) AND id = \(eventID)", logger: logger)
        for try await (payload,) in rows.decode((String,).self) { return payload }
        throw TestFailure("no event \(eventID)")
    }

    struct Row: Sendable {
        var status: String
        var attempts: Int
        var nextAttemptAt: Date
        var lastError: String?
        var deliveredAt: Date?
    }

    func delivery(tenantID: UUID, id: UUID) async throws -> Row {
        let rows = try await client.query(
            "SELECT status, attempts, next_attempt_at, last_error, delivered_at FROM deliveries WHERE tenant_id = \(tenantID) AND id = \(id)",
            logger: logger
        )
        for try await (status, attempts, next, error, delivered) in rows.decode((String, Int, Date, String?, Date?).self) {
            return Row(status: status, attempts: attempts, nextAttemptAt: next, lastError: error, deliveredAt: delivered)
        }
        throw TestFailure("no delivery \(id)")
    }

    struct Attempt: Sendable {
        var attemptedAt: Date
        var durationMs: Int
        var statusCode: Int?
        var error: String?
    }

    func attempts(tenantID: UUID, deliveryID: UUID) async throws -> [Attempt] {
        let rows = try await client.query(
            """
            SELECT attempted_at, duration_ms, status_code, error FROM delivery_attempts
            WHERE tenant_id = \(tenantID) AND delivery_id = \(deliveryID) ORDER BY attempted_at, id
            """,
            logger: logger
        )
        var result: [Attempt] = []
        for try await (at, duration, code, error) in rows.decode((Date, Int, Int?, String?).self) {
            result.append(Attempt(attemptedAt: at, durationMs: duration, statusCode: code, error: error))
        }
        return result
    }

    func count(_ sql: String) async throws -> Int {
        for try await (count,) in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode((Int,).self) {
            return count
        }
        return 0
    }

    /// Waits until the delivery is no longer pending, or until it has made `attempts` attempts.
    @discardableResult
    func waitFor(
        tenantID: UUID, deliveryID: UUID, status: String? = nil, attempts: Int? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Row {
        let deadline = ContinuousClock.now + timeout
        var last: Row?
        while ContinuousClock.now < deadline {
            let row = try await delivery(tenantID: tenantID, id: deliveryID)
            last = row
            let recorded = try await self.attempts(tenantID: tenantID, deliveryID: deliveryID).count
            let statusMatches = status.map { row.status == $0 } ?? (row.status != "pending")
            let attemptsMatch = attempts.map { recorded >= $0 } ?? true
            if statusMatches && attemptsMatch { return row }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("delivery \(deliveryID) did not reach status \(status ?? "settled") / \(attempts ?? 0) attempts within \(timeout); last \(String(describing: last))")
    }
}

/// The same instant to the millisecond: timestamps come back from Postgres
/// in whole microseconds, cut rather than rounded.
func sameInstant(_ a: Date?, _ b: Date?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return abs(a.timeIntervalSince(b)) < 0.001
}

/// Settings for tests: loopback receivers allowed, no jitter surprises (the
/// random source is fixed), timeouts long enough for a loaded machine unless
/// a test is about timeouts.
func testDeliverySettings(
    clock: TestClock? = nil,
    allowPrivate: Bool = true,
    smtp: SMTPConfiguration? = nil,
    httpTimeout: Duration = .seconds(20),
    pollInterval: Duration = .seconds(2),
    schedule: RetrySchedule = .standard,
    resolver: (any HostResolver)? = nil,
    concurrency: Int = 16,
    onListening: (@Sendable () -> Void)? = nil,
    onLateness: (@Sendable (Duration) -> Void)? = nil
) -> DeliverySettings {
    let now: @Sendable () -> Date
    if let clock { now = clock.function } else { now = { Date() } }
    return DeliverySettings(
        allowPrivateTargets: allowPrivate,
        smtp: smtp,
        concurrency: concurrency,
        lease: .seconds(60),
        pollInterval: pollInterval,
        httpTimeout: httpTimeout,
        smtpTimeout: .seconds(30),
        schedule: schedule,
        clock: now,
        random: { fixedRandomBits },
        resolver: resolver ?? SystemHostResolver(),
        onListening: onListening,
        onLateness: onLateness
    )
}

/// The jitter's random source in tests: always the same bits, so the delay
/// after a failure is known in advance (see `expectedDelay`).
let fixedRandomBits: UInt64 = 0x8000_0000_0000_0000

struct FixedRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { fixedRandomBits }
}

/// What the dispatcher will wait after the `attempt`-th failure.
func expectedDelay(after attempt: Int, schedule: RetrySchedule = .standard) -> TimeInterval? {
    var random = FixedRandom()
    return schedule.delay(after: attempt, random: &random)
}

/// Runs dispatchers as a ServiceGroup for the duration of `body`, then shuts
/// them down gracefully (in-flight sends finish and are recorded).
func withDispatchers<T: Sendable>(
    _ count: Int = 1,
    database: Database,
    settings: DeliverySettings,
    _ body: @escaping @Sendable ([DeliveryDispatcher]) async throws -> T
) async throws -> T {
    var logger = Logger(label: "handoff.test.deliveries")
    logger.logLevel = ProcessInfo.processInfo.environment["HANDOFF_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    let dispatchers = (0..<count).map { _ in DeliveryDispatcher(database: database, settings: settings, logger: logger) }
    let group = ServiceGroup(configuration: .init(services: dispatchers, logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        do {
            let result = try await body(dispatchers)
            await group.triggerGracefulShutdown()
            while let next = try await tasks.next() {
                if next != nil { break }
            }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}

/// A flag the dispatcher's `onListening` sets, to wait on.
final class ListeningFlag: Sendable {
    private let count = NIOLockedValueBox(0)

    func set() { count.withLockedValue { $0 += 1 } }

    func wait(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if count.withLockedValue({ $0 }) > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the dispatcher did not LISTEN within \(timeout)")
    }
}

/// Events with an owner in Berlin and several answers.
enum DeliveryTestEvents {
    static func event(_ type: EventType = .leadAssigned, tenantID: UUID, withOwner: Bool = true) -> HandoffEvent {
        let createdAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let sla = SLASnapshot(policyID: UUID(), state: .running, startedAt: createdAt, dueAt: createdAt.addingTimeInterval(300))
        let owner = OwnerSnapshot(id: UUID(), name: "Anna Schmidt", email: "anna@example.com", slackUserID: "U024BE7LH", timezone: "Europe/Berlin")
        let lead = LeadSnapshot(
            id: UUID(), funnelID: UUID(), email: "juergen@example.de", name: "Jürgen Müller", phone: "+49 176 1234 5678",
            score: 87,
            answers: [
                "team_size": .number(12),
                "budget": .string("10–50 k€"),
                "tools": .array([.string("HubSpot"), .string("Slack")]),
            ],
            attributes: ["country": .string("DE")],
            status: withOwner ? .assigned : .unassigned, ownerID: withOwner ? owner.id : nil, sla: sla, createdAt: createdAt
        )
        return HandoffEvent(
            id: .v7(), type: type, createdAt: createdAt, tenantID: tenantID,
            data: EventData(lead: lead, owner: withOwner ? owner : nil)
        )
    }
}
