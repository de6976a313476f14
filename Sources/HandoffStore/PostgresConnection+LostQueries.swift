import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Runs `work`, which uses this connection, and gives up on it with
    /// `ConnectionLost` once the connection has been closed for `grace` while
    /// `work` still waits.
    ///
    /// postgres-nio 1.33 drops a query written to a channel that is closing
    /// without ever failing it (vapor/postgres-nio#487). `transaction` checks
    /// the connection before each statement of its own, but a statement of
    /// the caller's can still race the server going away, and then waits
    /// forever: its request never answers, its pooled connection is never
    /// returned, and graceful shutdown has to be escalated. Here such a wait
    /// ends `grace` after the close, and the caller gets the same 503 as any
    /// other lost connection. The abandoned wait stays suspended (one task,
    /// nothing else), and only in this case.
    ///
    /// `work` runs in a task of its own (the watch needs to outlive it);
    /// cancelling the caller cancels it. A healthy transaction costs that task,
    /// and a watch that wakes every `tick` while `work` runs.
    func abandoningLostQueries<Result: Sendable>(
        grace: Duration = .seconds(1),
        tick: Duration = .milliseconds(100),
        _ work: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let outcome = FirstOutcome<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Installed before either task starts: whichever ends first finds it.
                outcome.install(continuation)
                outcome.started(Task {
                    do {
                        outcome.finish(.success(try await work()))
                    } catch {
                        outcome.finish(.failure(error))
                    }
                })
                Task {
                    var closedAt: ContinuousClock.Instant?
                    while !outcome.isFinished {
                        try? await Task.sleep(for: tick)
                        guard isClosed else { continue }
                        let since = closedAt ?? .now
                        closedAt = since
                        if ContinuousClock.now - since >= grace {
                            outcome.finish(.failure(ConnectionLost()))
                            return
                        }
                    }
                }
            }
        } onCancel: {
            outcome.cancel()
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

    var isFinished: Bool { state.withLock { $0.finished } }

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
