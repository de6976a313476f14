@testable import HandoffTestSupport
import HandoffAPI
import HandoffCore
import Synchronization
import Testing

/// The intake's admission in this process: the limit, the line, and how the
/// workers' lateness moves the limit.
@Suite("Intake gate")
struct IntakeGateTests {
    /// Bodies that stay inside the gate until released, counting how many are inside at once.
    final class Inside: Sendable {
        private let state = Mutex<(now: Int, most: Int, order: [Int])>((0, 0, []))
        var most: Int { state.withLock { $0.most } }
        var order: [Int] { state.withLock { $0.order } }
        var now: Int { state.withLock { $0.now } }

        func enter(_ index: Int) {
            state.withLock { state in
                state.now += 1
                state.most = max(state.most, state.now)
                state.order.append(index)
            }
        }

        func leave() { state.withLock { $0.now -= 1 } }
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test("no more intakes run at once than the limit; the rest wait and go in the order they came")
    func limitAndLine() async throws {
        let gate = IntakeGate(admission: IntakeAdmission(maximum: 2, minimum: 1))
        let inside = Inside()
        let go = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await gate.admit {
                        inside.enter(index)
                        try await Self.waitUntil { go.isSet }
                        try await Task.sleep(for: .milliseconds(5))
                        inside.leave()
                    }
                }
                // The next arrives once this one runs or stands in line, so
                // the order of arrival is known.
                try await Self.waitUntil { gate.occupancy.running + gate.occupancy.waiting == index + 1 }
            }
            #expect(gate.occupancy.running == 2 && gate.occupancy.waiting == 6)
            go.set()
            try await group.waitForAll()
        }
        #expect(inside.most == 2)
        #expect(inside.order == Array(0..<8))
        #expect(gate.occupancy.running == 0 && gate.occupancy.waiting == 0)
    }

    @Test("late workers shrink the limit step by step; on time, or idle, it grows back one per step")
    func latenessMovesTheLimit() {
        let gate = IntakeGate(admission: IntakeAdmission(maximum: 40, minimum: 2, tolerated: .milliseconds(250)))
        #expect(gate.limit == 40)
        gate.adjust()
        #expect(gate.limit == 40, "nothing reported: stays at the maximum")

        gate.report(lateness: .milliseconds(30))
        gate.report(lateness: .seconds(4))
        gate.report(lateness: .milliseconds(10))
        gate.adjust()
        #expect(gate.limit == 30, "the worst report of the step counts")
        gate.adjust()
        #expect(gate.limit == 31, "reports are per step: the next step heard nothing")

        for _ in 0..<30 {
            gate.report(lateness: .seconds(1))
            gate.adjust()
        }
        #expect(gate.limit == 2)
        gate.report(lateness: .milliseconds(5))
        gate.adjust()
        #expect(gate.limit == 3)
    }

    @Test("a lowered limit holds new intakes until running ones leave; a raised one lets the waiting in")
    func waitingFollowsTheLimit() async throws {
        let gate = IntakeGate(admission: IntakeAdmission(maximum: 3, minimum: 1, tolerated: .milliseconds(100)))
        for _ in 0..<2 {
            gate.report(lateness: .seconds(1))
            gate.adjust()
        }
        #expect(gate.limit == 1)
        let inside = Inside()
        let released = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                group.addTask {
                    try await gate.admit {
                        inside.enter(index)
                        try await Self.waitUntil { released.isSet }
                        inside.leave()
                    }
                }
            }
            try await Self.waitUntil { inside.now == 1 }
            try await Task.sleep(for: .milliseconds(50))
            #expect(inside.now == 1, "the limit of one holds the other two")

            gate.adjust()   // on time: 2
            try await Self.waitUntil { inside.now == 2 }
            gate.adjust()   // 3
            try await Self.waitUntil { inside.now == 3 }
            released.set()
            try await group.waitForAll()
        }
        #expect(inside.most == 3)
        #expect(inside.now == 0)
    }

    private static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out waiting")
    }
}
