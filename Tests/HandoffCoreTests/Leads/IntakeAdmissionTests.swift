import HandoffCore
import Testing

@Suite struct IntakeAdmissionTests {
    let admission = IntakeAdmission(maximum: 40, minimum: 2, tolerated: .milliseconds(250))

    @Test("late workers cut the limit by a quarter per step, down to the minimum and no further")
    func lateCuts() {
        var limit = 40
        var seen: [Int] = []
        for _ in 0..<20 {
            limit = admission.next(limit: limit, worstLateness: .seconds(3))
            seen.append(limit)
        }
        #expect(Array(seen.prefix(4)) == [30, 22, 16, 12])
        #expect(seen.last == 2)
        #expect(seen == seen.sorted(by: >), "never rises while the workers are late")
        #expect(admission.next(limit: 3, worstLateness: .seconds(1)) == 2, "a small limit still shrinks")
    }

    @Test("workers on time, or with nothing due, let one more intake in per step up to the maximum")
    func onTimeGrows() {
        #expect(admission.next(limit: 2, worstLateness: nil) == 3)
        #expect(admission.next(limit: 10, worstLateness: .milliseconds(40)) == 11)
        #expect(admission.next(limit: 40, worstLateness: .zero) == 40)
        var limit = 2
        for _ in 0..<100 { limit = admission.next(limit: limit, worstLateness: .milliseconds(5)) }
        #expect(limit == 40)
    }

    @Test("lateness between half the tolerance and the tolerance holds the limit")
    func holdsInBetween() {
        #expect(admission.next(limit: 17, worstLateness: .milliseconds(200)) == 17)
        #expect(admission.next(limit: 17, worstLateness: .milliseconds(250)) == 17)
        #expect(admission.next(limit: 17, worstLateness: .milliseconds(251)) == 12)
    }

    @Test("a limit outside the bounds is brought back into them")
    func clamps() {
        #expect(admission.next(limit: 500, worstLateness: .milliseconds(200)) == 40)
        #expect(admission.next(limit: 0, worstLateness: .milliseconds(200)) == 2)
        let single = IntakeAdmission(maximum: 1, minimum: 5)
        #expect(single.minimum == 1)
        #expect(single.next(limit: 1, worstLateness: .seconds(9)) == 1)
    }
}
