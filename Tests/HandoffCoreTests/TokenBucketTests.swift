import Foundation
import HandoffCore
import Testing

@Suite struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func admitsABurstThenRefusesWithRetryAfter() {
        var bucket = TokenBucket(capacity: 3, ratePerSecond: 0.5, now: start)
        #expect((0..<3).map { _ in bucket.take(now: start) } == [.allowed, .allowed, .allowed])
        // One token takes two seconds to come back.
        #expect(bucket.take(now: start) == .limited(retryAfter: 2))
        #expect(bucket.take(now: start.addingTimeInterval(1)) == .limited(retryAfter: 1))
        #expect(bucket.take(now: start.addingTimeInterval(2)) == .allowed)
    }

    @Test func refillsAtTheRateAndNeverAboveCapacity() {
        var bucket = TokenBucket(capacity: 2, ratePerSecond: 10, now: start)
        _ = bucket.take(now: start)
        _ = bucket.take(now: start)
        #expect(!bucket.isFull(at: start))
        #expect(bucket.isFull(at: start.addingTimeInterval(0.2)))
        let later = start.addingTimeInterval(3600)
        #expect(bucket.take(now: later) == .allowed)
        #expect(bucket.take(now: later) == .allowed)
        #expect(bucket.take(now: later) == .limited(retryAfter: 1))
    }

    @Test func aClockGoingBackwardsGrantsNothingExtra() {
        var bucket = TokenBucket(capacity: 1, ratePerSecond: 1, now: start)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start.addingTimeInterval(-10)) == .limited(retryAfter: 1))
    }
}
