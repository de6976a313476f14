import Foundation
import Logging
import PostgresNIO

/// LISTENs on one channel for as long as its task runs, reconnecting with a
/// capped backoff. `onListening` runs each time LISTEN is (re)established —
/// the moment to resync from the tables, since anything announced while the
/// connection was down was missed.
public struct NotificationListener: Sendable {
    public let client: PostgresClient
    public let channel: String
    public let logger: Logger

    public init(client: PostgresClient, channel: String, logger: Logger) {
        self.client = client
        self.channel = channel
        self.logger = logger
    }

    public func run(
        onListening: @Sendable () async -> Void,
        onLost: @Sendable () async -> Void = {},
        onNotification: @Sendable (String) async -> Void
    ) async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    // Closed by the server a moment ago, before the pool heard of it:
                    // WORKAROUND for vapor/postgres-nio#487 (see Workarounds/): a
                    // LISTEN written to a closed channel is dropped without failing,
                    // even on cancellation, so it would wait forever and hold
                    // graceful shutdown. Take another connection.
                    guard !connection.isClosed else { throw ConnectionLost() }
                    try await connection.listen(on: channel) { notifications in
                        backoff = .milliseconds(100)
                        await onListening()
                        for try await notification in notifications {
                            await onNotification(notification.payload)
                        }
                    }
                }
            } catch {
                await onLost()
                if Task.isCancelled { return }
                logger.warning("listener lost its connection; reconnecting", metadata: [
                    "channel": "\(channel)", "retry_in": "\(backoff)", "error": "\(String(reflecting: error))",
                ])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
