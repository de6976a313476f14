import Foundation
import HandoffCore
import Hummingbird
import Synchronization

/// Requests per tenant key, as a token bucket in this process: a burst of
/// `capacity`, then `ratePerSecond`. Over it, 429 with Retry-After. Each API
/// process limits on its own, so N processes admit up to N times the rate.
public struct RateLimit: Sendable {
    public var ratePerSecond: Double
    public var capacity: Double

    public init(ratePerSecond: Double, capacity: Double) {
        self.ratePerSecond = ratePerSecond
        self.capacity = capacity
    }

    /// Generous enough for a busy website's intake through one key.
    public static let standard = RateLimit(ratePerSecond: 2_000, capacity: 4_000)
}

final class RateLimiter: Sendable {
    let limit: RateLimit
    private let buckets = Mutex<[UUID: TokenBucket]>([:])

    init(_ limit: RateLimit) {
        self.limit = limit
    }

    func take(key: UUID, now: Date) -> TokenBucket.Decision {
        buckets.withLock { buckets in
            // Forget idle keys now and then, so memory follows active keys only.
            if buckets.count > 10_000 { buckets = buckets.filter { !$0.value.isFull(at: now) } }
            var bucket = buckets[key] ?? TokenBucket(capacity: limit.capacity, ratePerSecond: limit.ratePerSecond, now: now)
            let decision = bucket.take(now: now)
            buckets[key] = bucket
            return decision
        }
    }
}

struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let clock: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard case .tenantKey(_, let keyID, _) = RequestIdentity.current else {
            return try await next(request, context)
        }
        if case .limited(let retryAfter) = limiter.take(key: keyID, now: clock()) {
            throw Problem(.tooManyRequests, slug: "rate-limited", title: "Too many requests",
                          detail: "This key is limited to \(Int(limiter.limit.ratePerSecond)) requests per second; retry after \(retryAfter) s.",
                          headers: [.retryAfter: String(retryAfter)])
        }
        return try await next(request, context)
    }
}
