import Foundation

/// A token bucket: `capacity` requests at once, refilled at `ratePerSecond`.
/// Pure: the caller passes the time and keeps the bucket.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let ratePerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    public init(capacity: Double, ratePerSecond: Double, now: Date) {
        precondition(capacity >= 1 && ratePerSecond > 0, "a bucket must admit at least one request and refill")
        self.capacity = capacity
        self.ratePerSecond = ratePerSecond
        self.tokens = capacity
        self.updatedAt = now
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; a token will be there after this many seconds (at least 1, for Retry-After).
        case limited(retryAfter: Int)
    }

    /// Takes one token if there is one.
    public mutating func take(now: Date) -> Decision {
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        tokens = min(capacity, tokens + elapsed * ratePerSecond)
        updatedAt = max(updatedAt, now)
        guard tokens >= 1 else {
            return .limited(retryAfter: max(1, Int(((1 - tokens) / ratePerSecond).rounded(.up))))
        }
        tokens -= 1
        return .allowed
    }

    /// Full again: a bucket in this state can be forgotten and recreated.
    public func isFull(at now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updatedAt)) * ratePerSecond >= capacity
    }
}
