// WORKAROUND for vapor/postgres-nio#489 (open against 1.33.2):
// https://github.com/vapor/postgres-nio/issues/489
// Symptom: `PostgresClient.withConnection` never fails while the database is
// unreachable; the pool retries its connect forever and the request waits
// with it. Here a lease gives up after `patience` (503 with Retry-After).
// Reproduced by: DatabaseUnavailableTests (requests answer 503 while the
// cluster is stopped) and scripts/chaos-db-restart.
// Delete when: a postgres-nio release fails a lease whose connects keep
// failing (a connection-request timeout on PostgresClient); then pass that
// timeout instead and drop this file.

import Foundation
import PostgresNIO
import Synchronization

/// No pooled connection could be had in time (the database is down,
/// restarting or refusing connections, or the pool stayed saturated past its
/// limit), or the pool refused the lease outright (it is shutting down, or its
/// circuit breaker is open after a long run of failed connects).
///
/// Nothing was sent to the database: the caller's work never started, so a
/// retry is always safe. The API answers 503 problem+json with Retry-After.
public struct ConnectionUnavailable: Error, CustomStringConvertible {
    /// How long the lease waited before giving up.
    public let waited: Duration
    /// The pool's own refusal, when it refused before the deadline.
    public let cause: (any Error)?

    public var description: String {
        if let cause { return "no database connection could be acquired (the pool refused: \(String(reflecting: cause)))" }
        return "no database connection could be acquired within \(waited)"
    }
}

/// How long a lease may wait for a pooled connection, shared by every lease
/// of one pool.
///
/// A lease gives up after `patience` unless another lease's work finished
/// meanwhile (without the database failing under it): then the pool is busy,
/// not down, and the lease waits on, `patience` at a time, for at most
/// `limit`. So while the database is unreachable every request fails after
/// `patience`, and a burst that queues behind a healthy pool (200 leads at
/// once on 40 connections) is served rather than shed. (Connections handed
/// out as the database goes down fail their work at once; they are no sign
/// of a working pool.)
public final class ConnectionAcquisition: Sendable {
    public let patience: Duration
    public let limit: Duration
    /// Leases whose work ended without the database failing under it.
    private let progress = Atomic<Int>(0)

    public init(patience: Duration, limit: Duration) {
        self.patience = patience
        self.limit = max(limit, patience)
    }

    fileprivate func recordProgress() {
        progress.wrappingAdd(1, ordering: .relaxed)
    }

    fileprivate var progressSoFar: Int {
        progress.load(ordering: .relaxed)
    }
}

extension PostgresClient {
    /// `withConnection`, with a deadline on *acquiring* the connection only
    /// (see `ConnectionAcquisition` for how long that is).
    ///
    /// PostgresClient's lease waits as long as it takes: while the database is
    /// down the pool keeps the request queued and retries connecting with a
    /// growing backoff, so a request would hang for the whole outage and
    /// beyond (and graceful shutdown, which waits for in-flight requests,
    /// with it). Here the lease runs in a child task raced against a timer.
    /// Whichever claims `AcquisitionRace` first decides:
    /// - the timer, before a connection arrived: the waiting lease is
    ///   cancelled (postgres-nio removes a cancelled request from its queue and
    ///   fails it with `ConnectionPoolError.requestCancelled`) and
    ///   `ConnectionUnavailable` is thrown. Should a connection arrive in that
    ///   same instant, `body` is never entered and the connection goes back.
    /// - `body`, once it has a connection: from then on nothing is cancelled
    ///   and the timer is ignored. Cutting a transaction short could leave its
    ///   outcome unknown (a COMMIT that went through, reported as a failure);
    ///   a body whose connection dies fails fast on its own.
    ///
    /// An error the pool gives before `body` starts is an acquisition failure
    /// too, and is reported as `ConnectionUnavailable` with it as the cause.
    ///
    /// A connection that is already closed when it is handed out is given
    /// back and another one leased (within the same deadline): postgres-nio
    /// 1.33 drops a query written to a closed channel without failing it
    /// (vapor/postgres-nio#487, reverted in #501), so `body` would wait for
    /// it forever, and graceful shutdown with it. This happens when the
    /// server closes its connections (a restart) just as one is leased. A
    /// connection that closes later, between two queries of `body`, can
    /// still lose a query that way; only a postgres-nio fix closes that window.
    public func withConnection<Result: Sendable>(
        acquiring acquisition: ConnectionAcquisition,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withoutActuallyEscaping(body) { body in
            try await withThrowingTaskGroup(of: AcquisitionOutcome<Result>.self) { group in
                let race = AcquisitionRace()
                group.addTask {
                    do {
                        while true {
                            let attempt: LeaseAttempt<Result> = try await self.withConnection { connection in
                                // Closed by the server a moment ago, before the pool heard of it:
                                // postgres-nio silently drops what is written to a closed channel,
                                // so a query sent on it would wait forever. Take another.
                                if connection.isClosed { return .closed }
                                guard race.start() else { throw AcquisitionAbandoned() }
                                do {
                                    let value = try await body(connection)
                                    acquisition.recordProgress()
                                    return .finished(value)
                                } catch {
                                    if !DatabaseAvailability.isUnavailable(error) { acquisition.recordProgress() }
                                    throw error
                                }
                            }
                            guard case .finished(let value) = attempt else {
                                try await Task.sleep(for: .milliseconds(10))
                                continue
                            }
                            return .finished(value)
                        }
                    } catch where !race.hasStarted {
                        let refusal = error is AcquisitionAbandoned || error is CancellationError ? nil : error
                        throw ConnectionUnavailable(waited: .zero, cause: refusal)
                    }
                }
                group.addTask {
                    var waited = Duration.zero
                    var seen = acquisition.progressSoFar
                    while true {
                        // Cancelled (the body finished first, or the caller was
                        // cancelled): the lease decides the outcome alone.
                        do { try await Task.sleep(for: acquisition.patience) } catch { return .timerCancelled }
                        waited += acquisition.patience
                        let now = acquisition.progressSoFar
                        if now == seen || waited >= acquisition.limit { return .deadlinePassed(waited) }
                        seen = now
                    }
                }
                while let outcome = try await group.next() {
                    switch outcome {
                    case .finished(let value):
                        group.cancelAll()
                        return value
                    case .deadlinePassed(let waited):
                        if race.expire() {
                            group.cancelAll()
                            throw ConnectionUnavailable(waited: waited, cause: nil)
                        }
                    // The body has started: wait for it, however long it takes.
                    case .timerCancelled:
                        continue
                    }
                }
                // Unreachable: the lease task either returns or throws.
                throw ConnectionUnavailable(waited: .zero, cause: nil)
            }
        }
    }
}

private enum AcquisitionOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case deadlinePassed(Duration)
    case timerCancelled
}

private enum LeaseAttempt<Value: Sendable>: Sendable {
    case finished(Value)
    case closed
}

/// The connection arrived after the deadline had already been reported.
private struct AcquisitionAbandoned: Error {}

/// Waiting → started (the body has its connection) or waiting → expired (the
/// deadline passed first); never both.
private final class AcquisitionRace: Sendable {
    private static let waiting: UInt8 = 0, started: UInt8 = 1, expired: UInt8 = 2
    private let state = Atomic<UInt8>(AcquisitionRace.waiting)

    /// The body may run; false once the deadline has been reported.
    func start() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.started, ordering: .acquiringAndReleasing).exchanged
    }

    /// The deadline wins; false once the body has started.
    func expire() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.expired, ordering: .acquiringAndReleasing).exchanged
    }

    var hasStarted: Bool {
        state.load(ordering: .acquiring) == Self.started
    }
}
