import Foundation
import HandoffCore
import Testing

/// When a claimed delivery renews its lease before sending, and how late a
/// claim counts for the intake gate.
@Suite struct DeliveryLeaseTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func aLeaseThatOutlastsTheSendAndItsRecordingIsKeptAsItIs() {
        let until = now.addingTimeInterval(30 + DeliveryLease.margin)
        #expect(DeliveryLease.renewal(leaseUntil: until, now: now, sendTimeout: 30, lease: 120) == nil)
    }

    @Test func aDeliveryThatWaitedInLineRenewsForAtLeastTheLease() {
        // Claimed with 120 s, sent 100 s later by SMTP (30 s timeout).
        let until = now.addingTimeInterval(20)
        #expect(DeliveryLease.renewal(leaseUntil: until, now: now, sendTimeout: 30, lease: 120) == now.addingTimeInterval(120))
        // A lapsed lease, and a lease shorter than the send: long enough for the send.
        #expect(DeliveryLease.renewal(leaseUntil: now.addingTimeInterval(-5), now: now, sendTimeout: 30, lease: 1)
            == now.addingTimeInterval(30 + DeliveryLease.margin))
    }

    @Test func claimLatenessCountsFromWhenTheDeliveryCouldFirstBeClaimed() {
        let due = now.addingTimeInterval(-10)
        // The dispatcher had room all along: late by the whole 10 s.
        #expect(DeliveryLateness.atClaim(dueAt: due, claimableSince: due.addingTimeInterval(-60), claimedAt: now) == 10)
        // Its slots were all taken by slow receivers until 50 ms ago: not the dispatcher's lateness.
        #expect(abs(DeliveryLateness.atClaim(dueAt: due, claimableSince: now.addingTimeInterval(-0.05), claimedAt: now) - 0.05) < 1e-6)
        #expect(DeliveryLateness.atClaim(dueAt: now.addingTimeInterval(5), claimableSince: due, claimedAt: now) == 0)
    }
}
