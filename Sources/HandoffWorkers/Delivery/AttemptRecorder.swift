import Foundation
import HandoffStore
import NIOConcurrencyHelpers

/// Writes finished attempts to the database in batches: one statement and one
/// durable commit for every attempt that finished while the previous batch
/// was being written. Without it each attempt is its own transaction, and a
/// dispatcher under load spends its sending slots waiting for commits.
///
/// A batch the database refuses for one of its rows is written row by row
/// (`DeliveryStore.record`): only that row's attempt goes unrecorded.
///
/// No task of its own: the first caller to find nobody writing becomes the
/// writer and writes batches until the queue is empty; the others wait for
/// their batch's outcome. So a graceful shutdown, which waits for the sending
/// tasks, also waits for their attempts to be written.
final class AttemptRecorder: Sendable {
    private typealias Waiter = CheckedContinuation<Result<Bool, any Error>?, Never>

    private struct Entry {
        let attempt: DeliveryStore.Attempt
        /// Nil for the writer's own attempt.
        let waiter: Waiter?
    }

    private struct State {
        var queue: [Entry] = []
        var writing = false
    }

    private let store: DeliveryStore
    private let clock: @Sendable () -> Date
    private let maxBatch: Int
    private let afterBatch: @Sendable () -> Void
    private let state = NIOLockedValueBox(State())

    init(store: DeliveryStore, clock: @escaping @Sendable () -> Date, maxBatch: Int = 256, afterBatch: @escaping @Sendable () -> Void) {
        self.store = store
        self.clock = clock
        self.maxBatch = max(1, maxBatch)
        self.afterBatch = afterBatch
    }

    /// Attempts waiting to be written (not counting the batch being written).
    var backlog: Int { state.withLockedValue { $0.queue.count } }

    /// Writes the attempt; true when its outcome was recorded on the delivery,
    /// false when a later claim had taken the delivery over (see
    /// `DeliveryStore.record`).
    func record(_ attempt: DeliveryStore.Attempt) async throws -> Bool {
        let outcome: Result<Bool, any Error>? = await withCheckedContinuation { (waiter: Waiter) in
            let writes = state.withLockedValue { state -> Bool in
                if state.writing {
                    state.queue.append(Entry(attempt: attempt, waiter: waiter))
                    return false
                }
                state.writing = true
                state.queue.append(Entry(attempt: attempt, waiter: nil))
                return true
            }
            if writes { waiter.resume(returning: nil) }
        }
        if let outcome { return try outcome.get() }

        // This task writes, until nothing is queued.
        var mine: Result<Bool, any Error>?
        while true {
            let batch = state.withLockedValue { state -> [Entry] in
                if state.queue.isEmpty {
                    state.writing = false
                    return []
                }
                let count = min(state.queue.count, maxBatch)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            if batch.isEmpty { break }
            let written: Result<DeliveryStore.Recorded, any Error>
            do {
                written = .success(try await store.record(batch.map(\.attempt), now: clock()))
            } catch {
                written = .failure(error)
            }
            for entry in batch {
                let id = entry.attempt.delivery.id
                let result = written.flatMap { recorded -> Result<Bool, any Error> in
                    if let refused = recorded.refused[id] { return .failure(refused) }
                    return .success(recorded.owned.contains(id))
                }
                if let waiter = entry.waiter { waiter.resume(returning: result) } else { mine = result }
            }
            afterBatch()
        }
        return try (mine ?? .success(false)).get()
    }
}
