import Foundation
import HandoffCore
import Logging
import ServiceLifecycle
import Synchronization

/// Keys already checked, kept in this process so a request costs no key
/// lookup transaction. Revoking a key or changing its tenant's status NOTIFYs
/// `handoff_keys` with the tenant id in the same transaction; every process
/// then drops that tenant's keys. As with the configuration cache, nothing is
/// kept while the listener is down, and entries expire after `maxAge`.
///
/// Only what the database said is cached; the presented secret is still
/// compared, in constant time, against the stored hash on every request.
public final class APIKeyCache: Service, Sendable {
    public static let channel = "handoff_keys"

    private struct Entry {
        var key: AuthenticatedKey
        var hash: Data
        var loadedAt: ContinuousClock.Instant
    }

    private let store: APIKeyStore
    private let listener: NotificationListener
    private let maxAge: Duration
    private let state = Mutex<(entries: [String: Entry], generation: UInt64, listening: Bool)>(([:], 0, false))

    public init(database: Database, maxAge: Duration = .seconds(60)) {
        self.store = APIKeyStore(database: database)
        self.listener = NotificationListener(client: database.client, channel: Self.channel, logger: database.logger)
        self.maxAge = maxAge
    }

    public func authenticate(_ secret: APIKeySecret) async throws -> AuthenticatedKey? {
        let now = ContinuousClock.now
        let (cached, generation, listening) = state.withLock { ($0.entries[secret.prefix], $0.generation, $0.listening) }
        if let cached, now - cached.loadedAt < maxAge {
            return constantTimeEquals(cached.hash, secret.hash) && cached.key.key.revokedAt == nil ? cached.key : nil
        }
        guard let (key, hash) = try await store.lookup(secret) else { return nil }
        if listening {
            state.withLock { state in
                // Not kept if an invalidation arrived while it was loading.
                if state.generation == generation, state.listening {
                    state.entries[secret.prefix] = Entry(key: key, hash: hash, loadedAt: now)
                }
            }
        }
        return constantTimeEquals(hash, secret.hash) && key.key.revokedAt == nil ? key : nil
    }

    public func invalidate(tenantID: UUID) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { $0.value.key.key.tenantID != tenantID }
        }
    }

    private func reset(listening: Bool) {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
            state.listening = listening
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listener.run(
                onListening: { self.reset(listening: true) },
                onLost: { self.reset(listening: false) },
                onNotification: { payload in
                    if let tenantID = UUID(uuidString: payload) { self.invalidate(tenantID: tenantID) } else { self.reset(listening: true) }
                }
            )
        }
        reset(listening: false)
    }
}
