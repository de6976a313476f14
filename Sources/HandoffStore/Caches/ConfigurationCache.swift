import Foundation
import HandoffCore
import Logging
import ServiceLifecycle
import Synchronization

/// Each tenant's configuration, kept in this process so intake does not read
/// seven tables per lead. Every configuration write NOTIFYs `handoff_config`
/// with its tenant id in the same transaction; the listener here drops that
/// tenant at once, in every process. When the listener (re)connects it drops
/// everything, since notifications sent meanwhile were lost; and entries also
/// expire after `maxAge` as a last line of defence.
public final class ConfigurationCache: Service, Sendable {
    private struct Entry {
        var configuration: TenantConfiguration
        var loadedAt: ContinuousClock.Instant
        /// Bumped by every invalidation, so a load that raced one is not kept.
        var generation: UInt64
    }

    private let store: TenantConfigurationStore
    private let listener: NotificationListener
    private let maxAge: Duration
    private let state = Mutex<(entries: [UUID: Entry], generations: [UUID: UInt64], listening: Bool)>(([:], [:], false))

    public init(database: Database, maxAge: Duration = .seconds(60)) {
        self.store = TenantConfigurationStore(database: database)
        self.listener = NotificationListener(client: database.client, channel: ConfigurationStore.channel, logger: database.logger)
        self.maxAge = maxAge
    }

    /// The tenant's configuration, from memory when it is current. Without a
    /// live listener nothing is cached: a stale route is worse than a read.
    public func configuration(tenantID: UUID) async throws -> TenantConfiguration {
        let now = ContinuousClock.now
        let (cached, generation, listening) = state.withLock { state in
            (state.entries[tenantID], state.generations[tenantID, default: 0], state.listening)
        }
        if let cached, cached.generation == generation, now - cached.loadedAt < maxAge { return cached.configuration }
        let configuration = try await store.load(tenantID: tenantID)
        if listening {
            state.withLock { state in
                // Kept only if no invalidation arrived while it was loading.
                if state.generations[tenantID, default: 0] == generation {
                    state.entries[tenantID] = Entry(configuration: configuration, loadedAt: now, generation: generation)
                }
            }
        }
        return configuration
    }

    public func invalidate(tenantID: UUID) {
        state.withLock { state in
            state.generations[tenantID, default: 0] &+= 1
            state.entries[tenantID] = nil
        }
    }

    public func invalidateAll(listening: Bool) {
        state.withLock { state in
            for key in state.entries.keys { state.generations[key, default: 0] &+= 1 }
            state.entries.removeAll()
            state.listening = listening
        }
    }

    /// True once the listener is up; tests wait for it.
    public var isListening: Bool { state.withLock { $0.listening } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listener.run(
                onListening: { self.invalidateAll(listening: true) },
                onLost: { self.invalidateAll(listening: false) },
                onNotification: { payload in
                    if let tenantID = UUID(uuidString: payload) { self.invalidate(tenantID: tenantID) } else { self.invalidateAll(listening: true) }
                }
            )
        }
        invalidateAll(listening: false)
    }
}
