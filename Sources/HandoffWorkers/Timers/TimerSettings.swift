import Foundation

/// How the SLA timer engine runs. The defaults are production's; tests take
/// over the clock and shorten the safety scan.
public struct TimerSettings: Sendable {
    /// The engine's idea of now: what is due, `fired_at`, lateness and event
    /// times all come from it. Sleeping is real time, computed from it.
    public var clock: @Sendable () -> Date
    /// Leads fired per transaction. Larger batches fire a backlog (after a
    /// restart) faster; smaller ones hold lead locks for less time.
    public var batchSize: Int
    /// How many of the earliest due timers a batch picks its leads from:
    /// room for engines side by side to find leads the others do not hold.
    public var window: Int
    /// Transactions a behind engine runs at once (after a full batch) until it
    /// has caught up. One batch is a dozen round trips and a commit; in a
    /// process that also serves a busy API, each round trip waits its turn
    /// behind the requests, so one batch at a time fell behind the deadlines
    /// (bench/soak showed it).
    public var catchUpBatches: Int
    /// Failed tries, each alone in its own transaction, after which a lead's
    /// due timers are quarantined (see `TimerStore`): a lead that keeps
    /// failing costs a few transactions, not every tenant's timers.
    public var quarantineAfter: Int
    /// The safety net: look for due timers at least this often, whatever
    /// NOTIFY said or missed.
    public var safetyScan: Duration
    /// Called each time the LISTEN is (re)established; tests wait on it.
    public var onListening: (@Sendable () -> Void)?
    /// Told, after each batch that fired something, how late its latest
    /// timer fired: `serve` lets its intake yield to an engine that falls behind.
    public var onLateness: (@Sendable (Duration) -> Void)?

    public init(
        clock: @escaping @Sendable () -> Date = Date.init,
        batchSize: Int = 100,
        window: Int = 1_000,
        catchUpBatches: Int = 4,
        quarantineAfter: Int = 3,
        safetyScan: Duration = .seconds(5),
        onListening: (@Sendable () -> Void)? = nil,
        onLateness: (@Sendable (Duration) -> Void)? = nil
    ) {
        self.clock = clock
        self.batchSize = max(1, batchSize)
        self.window = max(window, batchSize)
        self.catchUpBatches = max(1, catchUpBatches)
        self.quarantineAfter = max(1, quarantineAfter)
        self.safetyScan = safetyScan
        self.onListening = onListening
        self.onLateness = onLateness
    }
}
