import Foundation

/// How late the dispatcher is, as the intake gate should hear it.
///
/// The gate slows intake so that workers starved of CPU or database time
/// catch up. Time a delivery spends waiting for a sending slot is time spent
/// on remote receivers (one tenant's tarpit webhook fills every slot), and
/// throttling every tenant's intake does nothing for it. So lateness is
/// measured from when the delivery became claimable — due, and the
/// dispatcher with room to claim — to when the claim took it.
public enum DeliveryLateness {
    /// `claimableSince`: when the dispatcher last got room to claim after
    /// being full (sending slots and prefetch taken), or any earlier instant.
    public static func atClaim(dueAt: Date, claimableSince: Date, claimedAt: Date) -> TimeInterval {
        max(0, claimedAt.timeIntervalSince(max(dueAt, claimableSince)))
    }
}
