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

    private let database: Database
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(database: Database) {
        self.database = database
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Something was committed; cheap, never blocks.
    public func raise() {
        continuation.yield()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.stream {
                do {
                    try await self.database.notify([Self.deliveries, Self.timers])
                } catch {
                    self.database.logger.debug("could not notify workers; their periodic scan will find the work", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
