import Foundation
import HandoffCore
import HandoffStore
import Synchronization

/// `GET /readyz`, bounded. Probes are public and frequent (load balancers,
/// orchestrators, anyone): one check answers every probe for `maxAge`, probes
/// that arrive while it runs wait for it instead of starting their own, and
/// a check gives up after `timeout` however long the database takes.
final class ReadinessCheck: Sendable {
    enum Outcome: Sendable, Equatable {
        case ready
        case unavailable(String)
    }

    static let maxAge: TimeInterval = 2
    static let timeout: Duration = .seconds(2)

    private let check: @Sendable () async -> Outcome
    private let clock: @Sendable () -> Date
    private let state = Mutex<(last: (outcome: Outcome, at: Date)?, running: Task<Outcome, Never>?)>((nil, nil))

    init(database: Database, migrator: Migrator, clock: @escaping @Sendable () -> Date) {
        self.clock = clock
        self.check = {
            guard await database.ping() else { return .unavailable("The database is unreachable.") }
            do {
                let pending = try await migrator.pending()
                guard pending.isEmpty else {
                    return .unavailable("The schema is behind this build by \(pending.count) migration(s); run `handoff migrate`.")
                }
                return .ready
            } catch let error as MigrationPlanError {
                return .unavailable("The schema does not match this build: \(error).")
            } catch {
                return .unavailable("The database did not answer the readiness check.")
            }
        }
    }

    func outcome() async -> Outcome {
        let now = clock()
        let task: Task<Outcome, Never> = state.withLock { state in
            if let last = state.last, abs(now.timeIntervalSince(last.at)) < Self.maxAge {
                return Task { last.outcome }
            }
            if let running = state.running { return running }
            let running = Task { [check, clock] in
                let outcome = await Self.bounded(check)
                self.state.withLock { $0 = ((outcome, clock()), nil) }
                return outcome
            }
            state.running = running
            return running
        }
        return await task.value
    }

    /// The check's outcome, or after `timeout` an unavailable one without
    /// waiting for the check any longer.
    private static func bounded(_ check: @escaping @Sendable () async -> Outcome) async -> Outcome {
        await withCheckedContinuation { continuation in
            let once = Once()
            Task {
                let outcome = await check()
                if once.claim() { continuation.resume(returning: outcome) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if once.claim() { continuation.resume(returning: .unavailable("The readiness check took longer than \(timeout.components.seconds) s.")) }
            }
        }
    }
}

private final class Once: Sendable {
    private let claimed = Mutex(false)

    /// True the first time only.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
