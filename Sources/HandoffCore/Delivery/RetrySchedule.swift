import Foundation

/// When to try a failed delivery again, and when to stop.
///
/// Exponential backoff (10 s, 20 s, 40 s … capped at 1 h) with jitter, so
/// that the deliveries an outage failed together do not all come back
/// together and knock the receiver over again. The number of attempts is
/// chosen so that the expected time from the first to the last attempt is
/// about a day (PRODUCT: "retried … for about a day, then marked failed");
/// the jitter makes the real span vary around it.
public struct RetrySchedule: Sendable, Equatable {
    /// Full jitter only, deliberately. "Decorrelated" jitter (uniform in
    /// base…3 × the previous delay) is a random walk that can linger near the
    /// base for many attempts: sized to a 24 h mean, simulated spans ran from
    /// under 2 h to 50 h, so "about a day" would not hold.
    public enum Jitter: String, Sendable, Equatable {
        /// Uniform in 0…ceiling (at least 1 s): the best spread for a burst of failures.
        case full
        /// The ceiling itself; for tests and reasoning.
        case none
    }

    public var base: TimeInterval
    public var factor: Double
    public var cap: TimeInterval
    public var jitter: Jitter
    /// Attempts in all, the first included; past it the delivery is `failed`.
    public var maxAttempts: Int

    public init(base: TimeInterval, factor: Double, cap: TimeInterval, jitter: Jitter, maxAttempts: Int) {
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// As many attempts as make the expected span reach `targetSpan`.
    public init(base: TimeInterval, factor: Double, cap: TimeInterval, jitter: Jitter, targetSpan: TimeInterval) {
        self.init(base: base, factor: factor, cap: cap, jitter: jitter, maxAttempts: 1)
        var span: TimeInterval = 0
        var attempts = 1
        // 1,000 attempts is far past any sane policy; it only bounds the loop
        // for a degenerate base of zero.
        while span < targetSpan, attempts < 1_000 {
            span += expectedDelay(after: attempts)
            attempts += 1
        }
        maxAttempts = attempts
    }

    /// 10 s doubling to a 1 h cap, full jitter, about 24 h of attempts.
    public static let standard = RetrySchedule(base: 10, factor: 2, cap: 3600, jitter: .full, targetSpan: 86_400)

    /// The un-jittered delay after the `attempt`-th failure (1-based).
    public func ceiling(after attempt: Int) -> TimeInterval {
        let exponent = Double(max(0, attempt - 1))
        // A large attempt number overflows pow to infinity; the cap applies then.
        let grown = base * pow(factor, min(exponent, 1_000))
        return min(cap, grown.isFinite ? grown : cap)
    }

    /// The wait after the `attempt`-th attempt failed, or nil when that was
    /// the last one.
    public func delay(after attempt: Int, random: inout some RandomNumberGenerator) -> TimeInterval? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        switch jitter {
        case .none:
            return ceiling(after: attempt)
        case .full:
            // At least a second: a zero draw would retry in the same instant.
            return max(1, TimeInterval.random(in: 0...ceiling(after: attempt), using: &random))
        }
    }

    /// When to try again after the `attempt`-th attempt failed at `now`; nil
    /// means give up and mark the delivery `failed`.
    public func nextAttempt(after attempt: Int, now: Date, random: inout some RandomNumberGenerator) -> Date? {
        delay(after: attempt, random: &random).map { now.addingTimeInterval($0) }
    }

    /// The mean delay after `attempt`, used to size `maxAttempts`.
    func expectedDelay(after attempt: Int) -> TimeInterval {
        switch jitter {
        case .none: ceiling(after: attempt)
        case .full: max(1, ceiling(after: attempt) / 2)
        }
    }

    /// The longest possible time from the first to the last attempt.
    public var maximumSpan: TimeInterval {
        (1..<max(1, maxAttempts)).reduce(0) { $0 + ceiling(after: $1) }
    }
}
