import HandoffCore
import Metrics
import ServiceLifecycle
import Synchronization

/// Lets at most `limit` lead intakes run at once in this process, and moves
/// the limit every `interval` by `IntakeAdmission` from the worst lateness
/// the process's own workers reported meanwhile (`report(lateness:)`).
///
/// Intakes over the limit wait in line (first come, first in); none is
/// refused. Without reports — `serve --no-workers`, or workers with nothing
/// due — the limit stays at (or climbs back to) the maximum, so the gate
/// costs an intake one uncontended lock. Workers in another process are not
/// heard from: scaled apart, they get their own CPU to keep up with.
public final class IntakeGate: Service, Sendable {
    public let admission: IntakeAdmission
    let interval: Duration

    private struct State {
        var limit: Int
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var worstLateness: Duration?
    }

    private let state: Mutex<State>
    private let limitGauge = Gauge(label: "handoff_intake_concurrency_limit")

    public init(admission: IntakeAdmission, interval: Duration = .milliseconds(100)) {
        self.admission = admission
        self.interval = interval
        self.state = Mutex(State(limit: admission.maximum))
    }

    /// How many intakes may run at once right now.
    public var limit: Int { state.withLock { $0.limit } }

    /// Intakes running and waiting in line right now.
    public var occupancy: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// A worker's lateness: how long after its due time a timer fired, or
    /// after it could first be claimed a delivery was (time its sends wait on
    /// remote receivers is not reported: throttling every tenant's intake
    /// does not make one tenant's slow receiver faster). Cheap; called for
    /// every one.
    public func report(lateness: Duration) {
        state.withLock { state in
            state.worstLateness = max(state.worstLateness ?? lateness, lateness)
        }
    }

    /// Runs `body` once the limit lets it in.
    public func admit<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        await enter()
        defer { leave() }
        return try await body()
    }

    /// Moves the limit every `interval` until shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            adjust()
        }
    }

    /// One step of `IntakeAdmission` from the lateness reported since the last.
    public func adjust() {
        let (limit, woken) = state.withLock { state -> (Int, [CheckedContinuation<Void, Never>]) in
            state.limit = admission.next(limit: state.limit, worstLateness: state.worstLateness)
            state.worstLateness = nil
            return (state.limit, Self.admitWaiting(&state))
        }
        limitGauge.record(limit)
        for continuation in woken { continuation.resume() }
    }

    private func enter() async {
        let admitted = state.withLock { state in
            guard state.running < state.limit, state.waiting.isEmpty else { return false }
            state.running += 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let woken = state.withLock { state in
                state.waiting.append(continuation)
                return Self.admitWaiting(&state)
            }
            for continuation in woken { continuation.resume() }
        }
    }

    private func leave() {
        let woken = state.withLock { state in
            state.running -= 1
            return Self.admitWaiting(&state)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Takes the waiters the limit now has room for, oldest first; the
    /// caller resumes them outside the lock.
    private static func admitWaiting(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let room = min(max(0, state.limit - state.running), state.waiting.count)
        guard room > 0 else { return [] }
        let woken = Array(state.waiting.prefix(room))
        state.waiting.removeFirst(room)
        state.running += room
        return woken
    }
}
