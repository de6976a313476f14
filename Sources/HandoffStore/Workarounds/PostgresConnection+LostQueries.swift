// WORKAROUND for vapor/postgres-nio#487 (open against 1.33.2):
// https://github.com/vapor/postgres-nio/issues/487
// Symptom: a query written to a channel that is closing is dropped and never
// answers, so its caller waits forever and holds graceful shutdown. Here the
// wait ends a second after the close with `ConnectionLost` (a 503).
// Reproduced by: DatabaseUnavailableTests and scripts/chaos-db-restart (the
// database restarted under load; no request may hang).
// Delete when: a postgres-nio release fails such a query with an error; then
// remove this file, `abandoningLostQueries` callers, and the `isClosed`
// guard in NotificationListener.swift.

import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Runs `work`, which uses this connection, and gives up on it with
    /// `ConnectionLost` once the connection has been closed for a second
    /// (`LostQueryWatch.grace`) while `work` still waits.
    ///
    /// postgres-nio 1.33 drops a query written to a channel that is closing
    /// without ever failing it (vapor/postgres-nio#487). `transaction` checks
    /// the connection before each statement of its own, but a statement of
    /// the caller's can still race the server going away, and then waits
    /// forever: its request never answers, its pooled connection is never
    /// returned, and graceful shutdown has to be escalated. Here such a wait
    /// ends a second after the close, and the caller gets the same 503 as any
    /// other lost connection. The abandoned wait stays suspended (one task,
    /// nothing else), and only in this case.
    ///
    /// `work` runs in a task of its own (the caller must be able to go on while
    /// it is stuck); cancelling the caller cancels it. One watch for the whole
    /// process (`LostQueryWatch`) looks at the connections of all running work
    /// every 100 ms: a sleeping watch per transaction would cost every
    /// transaction a timer set and cancelled.
    func abandoningLostQueries<Result: Sendable>(
        _ work: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let outcome = FirstOutcome<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Installed before the work starts and before the watch can
                // call: whichever ends first finds it.
                outcome.install(continuation)
                let watched = LostQueryWatch.shared.watch(self) { outcome.finish(.failure(ConnectionLost())) }
                outcome.started(Task {
                    let result: Swift.Result<Result, any Error>
                    do { result = .success(try await work()) } catch { result = .failure(error) }
                    LostQueryWatch.shared.stop(watched)
                    outcome.finish(result)
                })
            }
        } onCancel: {
            outcome.cancel()
        }
    }
}

/// Watches the connections of running work for `abandoningLostQueries`, one
/// task for all of them. The task runs while there is work to watch and ends
/// when there is none, so an idle process has no timer ticking.
final class LostQueryWatch: Sendable {
    static let shared = LostQueryWatch(grace: .seconds(1), tick: .milliseconds(100))

    private struct Watched {
        let connection: PostgresConnection
        let abandon: @Sendable () -> Void
        var closedAt: ContinuousClock.Instant?
    }

    private struct State {
        var watched: [UInt64: Watched] = [:]
        var nextID: UInt64 = 0
        var running = false
    }

    /// How long a connection stays closed under waiting work before the work
    /// is given up on, and how often connections are looked at.
    let grace: Duration
    let tick: Duration
    private let state = Mutex(State())

    init(grace: Duration, tick: Duration) {
        self.grace = grace
        self.tick = tick
    }

    /// Watches `connection` until `stop` is called with the returned id;
    /// `abandon` is called (once, instead) when it has been closed for `grace`.
    func watch(_ connection: PostgresConnection, abandon: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = state.withLock { state in
            let id = state.nextID
            state.nextID &+= 1
            state.watched[id] = Watched(connection: connection, abandon: abandon)
            defer { state.running = true }
            return (id, !state.running)
        }
        // Detached: the first caller's task-local values (its request body among
        // them) must not live as long as the watch.
        if start { Task.detached { await self.run() } }
        return id
    }

    func stop(_ id: UInt64) {
        state.withLock { _ = $0.watched.removeValue(forKey: id) }
    }

    private func run() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let lost: [@Sendable () -> Void]? = state.withLock { state in
                guard !state.watched.isEmpty else {
                    state.running = false
                    return nil
                }
                var lost: [@Sendable () -> Void] = []
                for (id, watched) in state.watched where watched.connection.isClosed {
                    let since = watched.closedAt ?? now
                    if now - since >= grace {
                        lost.append(watched.abandon)
                        state.watched[id] = nil
                    } else {
                        state.watched[id]?.closedAt = since
                    }
                }
                return lost
            }
            guard let lost else { return }
            for abandon in lost { abandon() }
        }
    }
}

/// The first of `work`'s result and the watch's verdict resumes the caller;
/// the other is ignored. Finishing early cancels `work`.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var work: Task<Void, Never>?
        var finished = false
        var cancelled = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The caller may have been cancelled before `work` existed.
    func started(_ work: Task<Void, Never>) {
        let cancelled = state.withLock { state in
            state.work = work
            return state.cancelled || state.finished
        }
        if cancelled { work.cancel() }
    }

    func finish(_ result: Result<Value, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<Value, any Error>, Task<Void, Never>?)? in
            guard !state.finished, let continuation = state.continuation else { return nil }
            state.finished = true
            state.continuation = nil
            return (continuation, state.work)
        }
        guard let (continuation, work) = taken else { return }
        work?.cancel()
        continuation.resume(with: result)
    }

    func cancel() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
