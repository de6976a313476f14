import Foundation
import HandoffCore

/// How the delivery dispatcher runs. The defaults are production's; tests
/// shorten the timings and take over the clock, the jitter and DNS.
public struct DeliverySettings: Sendable {
    /// HANDOFF_WEBHOOK_ALLOW_PRIVATE: webhook and Slack targets may be
    /// loopback or private addresses (and plain http).
    public var allowPrivateTargets: Bool
    /// HANDOFF_SMTP_URL and HANDOFF_SMTP_FROM; nil fails e-mail deliveries
    /// with an error saying so.
    public var smtp: SMTPConfiguration?
    /// Sends in flight at once, per dispatcher.
    public var concurrency: Int
    /// How long a claimed delivery belongs to this dispatcher. A delivery
    /// whose lease would run out before its send and recording could end
    /// renews it just before sending (`DeliveryLease`), so this only sets how
    /// soon a dead dispatcher's claims are sent again; the renewal is never
    /// shorter than the send's timeout plus `DeliveryLease.margin`.
    public var lease: Duration
    /// The safety net: look for due deliveries at least this often, whatever
    /// NOTIFY said or missed.
    public var pollInterval: Duration
    /// The whole webhook or Slack request: resolving, connecting, sending,
    /// and the answer's head and (small) body.
    public var httpTimeout: Duration
    /// The whole SMTP exchange.
    public var smtpTimeout: Duration
    /// The most of a receiver's answer that is read (and quoted in errors).
    public var maxResponseBytes: Int
    public var schedule: RetrySchedule
    /// The dispatcher's idea of now: due times, leases, attempt times,
    /// backoff and `webhook-timestamp` all come from it.
    public var clock: @Sendable () -> Date
    /// Random bits for the backoff jitter.
    public var random: @Sendable () -> UInt64
    public var resolver: any HostResolver
    /// Called each time the LISTEN is (re)established; tests wait on it.
    public var onListening: (@Sendable () -> Void)?
    /// Told, as each delivery is claimed, how long after it became claimable
    /// (due, and the dispatcher with room) the claim took it
    /// (`DeliveryLateness`): `serve` lets its intake yield to a dispatcher
    /// that falls behind. Time waiting on slow receivers is not counted.
    public var onLateness: (@Sendable (Duration) -> Void)?
    /// HANDOFF_SECRET_KEY, to open webhook signing secrets; nil reads only
    /// secrets stored before sealing.
    public var secretKey: SecretKey?

    public init(
        allowPrivateTargets: Bool = false,
        smtp: SMTPConfiguration? = nil,
        concurrency: Int = 16,
        lease: Duration = .seconds(120),
        pollInterval: Duration = .seconds(5),
        httpTimeout: Duration = .seconds(10),
        smtpTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 1024,
        schedule: RetrySchedule = .standard,
        clock: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) },
        resolver: any HostResolver = SystemHostResolver(),
        onListening: (@Sendable () -> Void)? = nil,
        onLateness: (@Sendable (Duration) -> Void)? = nil,
        secretKey: SecretKey? = nil
    ) {
        self.secretKey = secretKey
        self.allowPrivateTargets = allowPrivateTargets
        self.smtp = smtp
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.pollInterval = pollInterval
        self.httpTimeout = httpTimeout
        self.smtpTimeout = smtpTimeout
        self.maxResponseBytes = maxResponseBytes
        self.schedule = schedule
        self.clock = clock
        self.random = random
        self.resolver = resolver
        self.onListening = onListening
        self.onLateness = onLateness
    }
}

/// A `RandomNumberGenerator` over an injected source of bits.
struct InjectedRandom: RandomNumberGenerator {
    let source: @Sendable () -> UInt64

    mutating func next() -> UInt64 { source() }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    init(timeInterval: TimeInterval) {
        self = .nanoseconds(Int64((max(0, timeInterval) * 1e9).rounded()))
    }
}
