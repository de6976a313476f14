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

    /// Key lookups per client address (`AuthMiddleware`): a checked key is
    /// kept for a minute, so even a proxy in front of many clients with many
    /// keys needs few, while a client trying made-up keys is stopped after a
    /// burst, long before the database's pool is its to exhaust.
    public static let lookupsPerAddress = RateLimit(ratePerSecond: 20, capacity: 200)
}

/// Token buckets by key (an API key's id, a client address), in this process.
final class RateLimiter<Key: Hashable & Sendable>: Sendable {
    let limit: RateLimit
    private let buckets = Mutex<[Key: TokenBucket]>([:])

    init(_ limit: RateLimit) {
        self.limit = limit
    }

    func take(key: Key, now: Date) -> TokenBucket.Decision {
        buckets.withLock { buckets in
            // Forget idle keys now and then, so memory follows active keys only.
            if buckets.count > 10_000 {
                buckets = buckets.filter { !$0.value.isFull(at: now) }
                // Many keys busy at once (addresses an attacker can vary): memory stays bounded.
                if buckets.count > 100_000 { buckets.removeAll() }
            }
            var bucket = buckets[key] ?? TokenBucket(capacity: limit.capacity, ratePerSecond: limit.ratePerSecond, now: now)
            let decision = bucket.take(now: now)
            buckets[key] = bucket
            return decision
        }
    }
}

struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter<UUID>
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
