import Foundation
import HandoffCore
import NIOConcurrencyHelpers

/// A counting semaphore for the dispatcher's sending slots: `acquire(for:)`
/// waits until a slot is free, and gives up (false) when its task is
/// cancelled. Waiters are served tenant by tenant (`TenantTurns`): a claim is
/// fair across tenants, and so is the queue for slots after it, so a tenant's
/// alert does not wait behind another tenant's claimed backlog.
final class SendSlots: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var free: Int
        var nextID: UInt64 = 0
        var waiters = TenantTurns<UUID, Waiter>()
    }

    private let state: NIOLockedValueBox<State>

    init(_ count: Int) {
        state = NIOLockedValueBox(State(free: count))
    }

    func acquire(for tenant: UUID) async -> Bool {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = state.withLockedValue { state -> Bool? in
                    if Task.isCancelled { return false }
                    if state.free > 0 {
                        state.free -= 1
                        return true
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation), for: tenant)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                state.waiters.remove(for: tenant, where: { $0.id == id })
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    func release() {
        let next = state.withLockedValue { state -> Waiter? in
            guard let waiter = state.waiters.next() else {
                state.free += 1
                return nil
            }
            return waiter
        }
        next?.continuation.resume(returning: true)
    }
}
