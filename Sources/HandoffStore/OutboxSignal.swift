import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Tells timer engines and delivery dispatchers, in every process, that
/// committed work is waiting: `pg_notify` on `handoff_deliveries` and
/// `handoff_timers`.
///
/// Sent after the commit, not inside the transaction: a NOTIFY inside takes a
/// database-wide lock at commit and holds it through the commit's fsync,
/// which would serialize every intake. Signals raised while one is being sent
/// collapse into the next, so a burst of leads costs a handful of
/// notifications. A signal lost in a crash costs only latency: the workers'
/// periodic queries find the rows.
public final class OutboxSignal: Service, Sendable {
    public static let deliveries = "handoff_deliveries"
    public static let timers = "handoff_timers"

    private let client: PostgresClient
    private let logger: Logger
    /// Not `client.query`: its lease waits out a database outage, and a query
    /// it writes to a connection the server has just closed is never answered
    /// (see `withConnection(acquiring:_:)`); either would hold graceful shutdown.
    private let acquisition = ConnectionAcquisition(patience: Database.defaultAcquireTimeout, limit: Database.busyPoolLimit)
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Something was committed; cheap, never blocks.
    public func raise() {
        continuation.yield()
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            for await _ in self.stream {
                do {
                    try await self.client.withConnection(acquiring: self.acquisition) { connection in
                        _ = try await connection.query(
                            "SELECT pg_notify(\(Self.deliveries), ''), pg_notify(\(Self.timers), '')", logger: self.logger
                        )
                    }
                } catch {
                    self.logger.debug("could not notify workers; their periodic scan will find the work", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
