/// How many lead intakes one process lets run at once, adapted to how late
/// the same process's timer engine and delivery dispatcher are.
///
/// On a saturated machine every runnable piece of work gets an equal slice
/// of the CPU, and an intake at full tilt is dozens of them: the workers get a
/// sliver, deliveries queue up by the thousand and timers fire a minute late.
/// An alert that arrives late is the failure this product exists to prevent;
/// an intake that takes a few more milliseconds to answer is not. So while the
/// workers report lateness above `tolerated`, fewer intakes run at once
/// (multiplicative decrease); while they are on time, one more may (additive
/// increase), up to `maximum`. Waiting intakes are queued, never refused.
public struct IntakeAdmission: Sendable, Equatable {
    /// The limit with workers on time: the database pool's size.
    public var maximum: Int
    /// Never fewer: leads keep coming in, however far behind the workers are.
    public var minimum: Int
    /// Lateness of a timer firing or a delivery's claim that the workers may
    /// show before intake yields to them.
    public var tolerated: Duration

    public init(maximum: Int, minimum: Int = 2, tolerated: Duration = .milliseconds(250)) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        self.tolerated = tolerated
    }

    /// The next limit, from the current one and the worst lateness the
    /// workers reported since it was set; nil when they reported nothing (no
    /// work was due, so nothing is late).
    public func next(limit: Int, worstLateness: Duration?) -> Int {
        let limit = min(max(limit, minimum), maximum)
        guard let lateness = worstLateness, lateness > tolerated / 2 else {
            return min(maximum, limit + 1)
        }
        guard lateness > tolerated else { return limit }
        return max(minimum, min(limit - 1, limit * 3 / 4))
    }
}
