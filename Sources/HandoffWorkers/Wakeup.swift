import NIOConcurrencyHelpers

/// The dispatcher's alarm clock: it sleeps until its timer runs out or
/// someone rings (a NOTIFY, `wake()`, a free sending slot). A ring while
/// nobody sleeps is kept, so the next sleep ends at once and nothing rung
/// between two looks is lost.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var stopped = false
        var sleeper: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func ring() {
        let sleeper = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.pending = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    /// Ends the current sleep and every later one: the loop is to finish.
    func stop() {
        let sleeper = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.stopped = true
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.resume()
    }

    var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Returns after `duration`, on a ring, on `stop()` or on cancellation,
    /// whichever comes first. One sleeper at a time.
    func sleep(upTo duration: Duration) async {
        let ready = state.withLockedValue { state -> Bool in
            if state.stopped { return true }
            if state.pending {
                state.pending = false
                return true
            }
            return false
        }
        if ready || duration <= .zero { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.sleeper = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                defer { state.sleeper = nil }
                return state.sleeper
            }
            sleeper?.resume()
        }
    }
}
