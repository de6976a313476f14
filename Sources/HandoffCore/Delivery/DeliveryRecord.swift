import Foundation

/// Where a delivery stands. `pending` covers both "due" and "waiting for its
/// next attempt"; `failed` is final until a tenant asks for a retry.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    case pending, delivered, failed
}

/// One delivery as `GET /v1/deliveries` shows it: the outbox row and its
/// attempt log, oldest attempt first.
public struct DeliveryRecord: Codable, Sendable, Equatable {
    public var id: UUID
    public var eventID: UUID
    /// A lead event, or `ping` for a channel test.
    public var eventType: DeliveryEventType
    public var channelID: UUID
    public var status: DeliveryStatus
    /// Attempts made and recorded, so always `attempts.count`.
    public var attemptCount: Int
    /// Only while pending; a settled delivery has no next attempt.
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date
    public var attempts: [DeliveryAttemptRecord]

    public init(
        id: UUID, eventID: UUID, eventType: DeliveryEventType, channelID: UUID, status: DeliveryStatus,
        nextAttemptAt: Date?, lastError: String?, deliveredAt: Date?, createdAt: Date, attempts: [DeliveryAttemptRecord]
    ) {
        self.id = id
        self.eventID = eventID
        self.eventType = eventType
        self.channelID = channelID
        self.status = status
        self.attemptCount = attempts.count
        self.nextAttemptAt = status == .pending ? nextAttemptAt : nil
        self.lastError = lastError
        self.deliveredAt = deliveredAt
        self.createdAt = createdAt
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case id, status, attempts
        case eventID = "event_id", eventType = "event_type", channelID = "channel_id"
        case attemptCount = "attempt_count", nextAttemptAt = "next_attempt_at"
        case lastError = "last_error", deliveredAt = "delivered_at", createdAt = "created_at"
    }
}

/// One try at sending: when, how long it took, and what came back — an HTTP
/// status, or an error in words (a timeout, a refused target, an SMTP reply).
public struct DeliveryAttemptRecord: Codable, Sendable, Equatable {
    public var attemptedAt: Date
    public var durationMs: Int
    public var statusCode: Int?
    public var error: String?

    public init(attemptedAt: Date, durationMs: Int, statusCode: Int?, error: String?) {
        self.attemptedAt = attemptedAt
        self.durationMs = durationMs
        self.statusCode = statusCode
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case error
        case attemptedAt = "attempted_at", durationMs = "duration_ms", statusCode = "status_code"
    }
}

/// `GET /v1/deliveries` filters; nil means any.
public struct DeliveryFilter: Sendable, Equatable {
    public var status: DeliveryStatus?
    public var channelID: UUID?
    public var eventID: UUID?

    public init(status: DeliveryStatus? = nil, channelID: UUID? = nil, eventID: UUID? = nil) {
        self.status = status
        self.channelID = channelID
        self.eventID = eventID
    }
}
