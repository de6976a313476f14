import Foundation

/// When a claimed delivery must renew its lease before it is sent.
///
/// A dispatcher claims more deliveries than it has sending slots, and a
/// claimed delivery waits in line for a slot behind sends that may each take
/// the whole timeout (30 s for SMTP). Once its lease has run out, the next
/// claim — of this dispatcher or another — takes the row and sends it too.
/// No static lease length is safe (slots are handed out tenant by tenant, so
/// one tenant's place in line is not bounded by the prefetch alone); so,
/// right before sending, a delivery whose lease would not outlast the send
/// renews it, conditionally on still holding the claim, and is not sent when
/// it no longer does.
public enum DeliveryLease {
    /// Time allowed after a send for recording its outcome.
    public static let margin: TimeInterval = 10

    /// The new end of the lease when it must be renewed before a send that
    /// may take `sendTimeout`; nil when the lease already covers the send and
    /// its recording. The renewed lease is never shorter than `lease`.
    public static func renewal(leaseUntil: Date, now: Date, sendTimeout: TimeInterval, lease: TimeInterval, margin: TimeInterval = Self.margin) -> Date? {
        let needed = sendTimeout + margin
        guard leaseUntil.timeIntervalSince(now) < needed else { return nil }
        return now.addingTimeInterval(max(lease, needed))
    }
}
