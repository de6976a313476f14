import Foundation

/// What one attempt at a delivery came to, and whether trying again can help.
///
/// Retryable is the default for anything the receiver or the network may get
/// over (timeouts, refused connections, 5xx, 429, most 4xx: a receiver being
/// deployed answers 404 for a minute). Permanent is for what no retry can
/// fix without someone changing something: a target our policy refuses, a
/// channel without a usable config, e-mail not configured, an SMTP 5xx, an
/// HTTP 410 Gone. A permanent failure is marked `failed` at once instead of
/// being retried for a day; a tenant retries it by hand after the fix.
public struct DeliveryAttemptResult: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case delivered, retryable, permanent
    }

    public var kind: Kind
    /// The receiver's HTTP status, when one came back.
    public var statusCode: Int?
    /// Nil when delivered. The tenant reads it.
    public var error: String?
    /// For the operator's logs only, never stored or shown to the tenant:
    /// what the network or a library said (addresses, errno), which would
    /// turn `error` into a probe of our network.
    public var detail: String?

    public init(kind: Kind, statusCode: Int? = nil, error: String? = nil, detail: String? = nil) {
        self.kind = kind
        self.statusCode = statusCode
        self.error = error
        self.detail = detail
    }

    public static func delivered(statusCode: Int? = nil) -> Self {
        Self(kind: .delivered, statusCode: statusCode)
    }

    public static func retryable(_ error: String, statusCode: Int? = nil, detail: String? = nil) -> Self {
        Self(kind: .retryable, statusCode: statusCode, error: error, detail: detail)
    }

    public static func permanent(_ error: String, statusCode: Int? = nil) -> Self {
        Self(kind: .permanent, statusCode: statusCode, error: error)
    }

    /// How much of a receiver's answer an error quotes.
    public static let maxQuotedBody = 200

    /// An HTTP answer: any 2xx is delivered. Redirects are not followed (a
    /// redirect could lead a signed request to a host the target check never
    /// saw), so a 3xx says where it pointed and to configure that URL instead.
    public static func http(status: Int, location: String? = nil, body: some Collection<UInt8>) -> Self {
        switch status {
        case 200..<300:
            return .delivered(statusCode: status)
        case 300..<400:
            let target = location.map { " to \(quote($0))" } ?? ""
            return .retryable(
                "the receiver answered \(status), a redirect\(target); redirects are not followed, so point the channel at the final URL",
                statusCode: status
            )
        case 410:
            return .permanent("the receiver answered 410 Gone\(quotedBody(body)); it says this endpoint is gone for good", statusCode: status)
        default:
            return .retryable("the receiver answered \(status)\(quotedBody(body))", statusCode: status)
        }
    }

    static func quotedBody(_ body: some Collection<UInt8>) -> String {
        let text = quote(String(decoding: body.prefix(maxQuotedBody * 4), as: UTF8.self))
        return text.isEmpty ? "" : ": \(text)"
    }

    /// Text from a receiver, made safe for one line of a log: control
    /// characters and runs of whitespace become one space, and it is cut.
    static func quote(_ text: String) -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            if isSpace {
                if !lastWasSpace, !result.isEmpty { result.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        result = result.trimmingCharacters(in: .whitespaces)
        if result.count > maxQuotedBody { result = String(result.prefix(maxQuotedBody - 1)) + "…" }
        return result
    }
}

/// What the outbox row becomes after an attempt.
public struct DeliveryTransition: Sendable, Equatable {
    public var status: DeliveryStatus
    /// Set when the delivery stays pending.
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var deliveredAt: Date?

    public init(status: DeliveryStatus, nextAttemptAt: Date?, lastError: String?, deliveredAt: Date?) {
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }

    /// After the `attempt`-th attempt (1-based) ended in `result` at `now`:
    /// delivered, retried on `schedule`, or failed for good when the result
    /// is permanent or the schedule has no attempt left.
    public static func after(
        _ result: DeliveryAttemptResult, attempt: Int, at now: Date,
        schedule: RetrySchedule, random: inout some RandomNumberGenerator
    ) -> DeliveryTransition {
        switch result.kind {
        case .delivered:
            return DeliveryTransition(status: .delivered, nextAttemptAt: nil, lastError: nil, deliveredAt: now)
        case .permanent:
            return DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: result.error, deliveredAt: nil)
        case .retryable:
            let error = result.error ?? "the attempt failed"
            if let next = schedule.nextAttempt(after: attempt, now: now, random: &random) {
                return DeliveryTransition(status: .pending, nextAttemptAt: next, lastError: error, deliveredAt: nil)
            }
            let gaveUp = "\(error) (gave up after \(attempt) \(attempt == 1 ? "attempt" : "attempts"); retry it with POST /v1/deliveries/{id}/retry once the receiver is fixed)"
            return DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: gaveUp, deliveredAt: nil)
        }
    }
}
