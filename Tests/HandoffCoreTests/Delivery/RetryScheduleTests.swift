import Foundation
import HandoffCore
import Testing

/// SplitMix64: a seeded generator, so the jitter is random but the test is not.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Retry schedule")
struct RetryScheduleTests {
    /// Every delay of one delivery that fails every time, in order.
    func delays(_ schedule: RetrySchedule, seed: UInt64) -> [TimeInterval] {
        var random = SeededGenerator(state: seed)
        var result: [TimeInterval] = []
        var attempt = 1
        while let delay = schedule.delay(after: attempt, random: &random) {
            result.append(delay)
            attempt += 1
        }
        return result
    }

    @Test("the ceiling doubles from 10 s and stops at 1 h")
    func ceilings() {
        let schedule = RetrySchedule.standard
        #expect((1...10).map(schedule.ceiling(after:)) == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600])
        #expect(schedule.ceiling(after: 40) == 3600)
        #expect(schedule.ceiling(after: 5_000) == 3600)
    }

    @Test("full jitter stays between a second and the ceiling")
    func fullJitterBounds() {
        let schedule = RetrySchedule.standard
        var random = SeededGenerator(state: 1)
        for attempt in 1..<schedule.maxAttempts {
            for _ in 0..<200 {
                let delay = schedule.delay(after: attempt, random: &random) ?? -1
                #expect(delay >= 1 && delay <= schedule.ceiling(after: attempt), "attempt \(attempt): \(delay)")
            }
        }
    }

    @Test("with full jitter the attempts span about a day, then the schedule gives up")
    func span() {
        let schedule = RetrySchedule.standard
        let spans = (UInt64(1)...400).map { delays(schedule, seed: $0).reduce(0, +) }
        let mean = spans.reduce(0, +) / Double(spans.count)
        #expect(mean > 21 * 3600 && mean < 27 * 3600, "mean span \(mean / 3600) h")
        for span in spans {
            #expect(span > 16 * 3600 && span <= schedule.maximumSpan, "span \(span / 3600) h")
        }
        #expect(schedule.maximumSpan < 3 * 86_400)
        #expect(delays(schedule, seed: 7).count == schedule.maxAttempts - 1)
    }

    @Test("without jitter every wait is its ceiling: the worst case, about two days")
    func standardShape() {
        var plain = RetrySchedule.standard
        plain.jitter = .none
        let total = delays(plain, seed: 0).reduce(0, +)
        #expect(total == plain.maximumSpan)
        #expect(total > 1.5 * 86_400 && total < 2.5 * 86_400)
        #expect(RetrySchedule.standard.maxAttempts > 30 && RetrySchedule.standard.maxAttempts < 80)
    }

    @Test("nextAttempt is now plus the delay, and nil after the last attempt")
    func nextAttempt() {
        let schedule = RetrySchedule(base: 10, factor: 2, cap: 3600, jitter: .none, maxAttempts: 4)
        let now = Date(timeIntervalSince1970: 1_795_683_900)
        var random = SeededGenerator(state: 3)
        #expect(schedule.nextAttempt(after: 1, now: now, random: &random) == now.addingTimeInterval(10))
        #expect(schedule.nextAttempt(after: 3, now: now, random: &random) == now.addingTimeInterval(40))
        #expect(schedule.nextAttempt(after: 4, now: now, random: &random) == nil)
        #expect(schedule.nextAttempt(after: 0, now: now, random: &random) == nil)
    }

    @Test("the same seed gives the same schedule; another seed another")
    func injectableRandomness() {
        let schedule = RetrySchedule.standard
        #expect(delays(schedule, seed: 42) == delays(schedule, seed: 42))
        #expect(delays(schedule, seed: 42) != delays(schedule, seed: 43))
    }
}
