@testable import HandoffTestSupport
import Foundation
import HandoffCore
import Testing

/// What an attempt's result means for the delivery: pure Core, no I/O.
@Suite("Delivery attempt results and transitions")
struct DeliveryTransitionTests {
    let now = Date(timeIntervalSince1970: 1_795_683_600)

    @Test("every 2xx is delivered; other answers are retried except 410 Gone", arguments: [
        (200, DeliveryAttemptResult.Kind.delivered), (201, .delivered), (204, .delivered), (299, .delivered),
        (301, .retryable), (400, .retryable), (404, .retryable), (410, .permanent), (429, .retryable),
        (500, .retryable), (503, .retryable),
    ])
    func httpClasses(status: Int, kind: DeliveryAttemptResult.Kind) {
        let result = DeliveryAttemptResult.http(status: status, body: Array("nope".utf8))
        #expect(result.kind == kind)
        #expect(result.statusCode == status)
        #expect((result.error == nil) == (kind == .delivered))
    }

    @Test("a receiver's answer is quoted on one line, cut to 200 characters")
    func quotedBody() {
        let result = DeliveryAttemptResult.http(status: 500, body: Array("  Internal\r\n\terror\u{0}  here ".utf8))
        #expect(result.error == "the receiver answered 500: Internal error here")
        let long = DeliveryAttemptResult.http(status: 502, body: Array(String(repeating: "x", count: 5000).utf8))
        let quoted = try? #require(long.error?.dropFirst("the receiver answered 502: ".count))
        #expect(quoted?.count == DeliveryAttemptResult.maxQuotedBody)
        #expect(quoted?.hasSuffix("…") == true)
        #expect(DeliveryAttemptResult.http(status: 500, body: []).error == "the receiver answered 500")
    }

    @Test("a redirect names where it pointed and is not followed")
    func redirect() {
        let result = DeliveryAttemptResult.http(status: 308, location: "https://new.example.com/hook", body: [])
        #expect(result.error == "the receiver answered 308, a redirect to https://new.example.com/hook; redirects are not followed, so point the channel at the final URL")
        #expect(DeliveryAttemptResult.http(status: 302, body: []).error?.hasPrefix("the receiver answered 302, a redirect;") == true)
    }

    @Test("delivered records the instant; permanent fails at once whatever attempts are left")
    func deliveredAndPermanent() {
        var random = SystemRandomNumberGenerator()
        let delivered = DeliveryTransition.after(.delivered(statusCode: 200), attempt: 3, at: now, schedule: .standard, random: &random)
        #expect(delivered == DeliveryTransition(status: .delivered, nextAttemptAt: nil, lastError: nil, deliveredAt: now))
        let permanent = DeliveryTransition.after(.permanent("refused"), attempt: 1, at: now, schedule: .standard, random: &random)
        #expect(permanent == DeliveryTransition(status: .failed, nextAttemptAt: nil, lastError: "refused", deliveredAt: nil))
    }

    @Test("a retryable failure waits as the schedule says, and fails after the last attempt")
    func retryableFollowsSchedule() {
        let schedule = RetrySchedule(base: 10, factor: 2, cap: 3600, jitter: .none, maxAttempts: 4)
        var random = SystemRandomNumberGenerator()
        for attempt in 1...3 {
            let transition = DeliveryTransition.after(.retryable("timeout"), attempt: attempt, at: now, schedule: schedule, random: &random)
            #expect(transition.status == .pending)
            #expect(transition.nextAttemptAt == now.addingTimeInterval(schedule.ceiling(after: attempt)))
            #expect(transition.lastError == "timeout")
        }
        let last = DeliveryTransition.after(.retryable("timeout"), attempt: 4, at: now, schedule: schedule, random: &random)
        #expect(last.status == .failed)
        #expect(last.nextAttemptAt == nil)
        #expect(last.lastError?.hasPrefix("timeout (gave up after 4 attempts;") == true)
    }

    @Test("the standard schedule with full jitter stays within its ceilings, about a day in all")
    func standardSchedule() {
        var random = FixedRandom()
        var attempt = 1
        var span: TimeInterval = 0
        while case let transition = DeliveryTransition.after(.retryable("x"), attempt: attempt, at: now, schedule: .standard, random: &random),
              let next = transition.nextAttemptAt {
            let delay = next.timeIntervalSince(now)
            #expect(delay >= 1 && delay <= RetrySchedule.standard.ceiling(after: attempt))
            span += delay
            attempt += 1
        }
        #expect(attempt == RetrySchedule.standard.maxAttempts)
        #expect(span > 12 * 3600 && span < 36 * 3600)
    }
}
