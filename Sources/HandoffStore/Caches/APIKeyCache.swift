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
///
/// Prefixes no key has are remembered too, for `missAge` and at most
/// `maxMisses` of them, so a client repeating a made-up key costs no
/// transaction after its first. Creating a key NOTIFYs as well, and every
/// notification forgets them all. A prefix is random, so only a key created
/// with the very prefix looked up a moment before could be refused, and for
/// `missAge` at most: that is why misses are kept while the listener is down.
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
    private let missAge: Duration
    private let maxMisses: Int
    private let state = Mutex<(entries: [String: Entry], generation: UInt64, listening: Bool)>(([:], 0, false))
    /// Prefixes found unknown, and a generation of their own: only a
    /// notification (a key created, a tenant changed) makes them stale, never
    /// the listener going up or down, since `missAge` bounds them anyway.
    private let misses = Mutex<(entries: [String: ContinuousClock.Instant], generation: UInt64)>(([:], 0))
    private let lookups = Atomic<Int>(0)

    public init(database: Database, maxAge: Duration = .seconds(60), missAge: Duration = .seconds(10), maxMisses: Int = 10_000) {
        self.store = APIKeyStore(database: database)
        self.listener = NotificationListener(client: database.client, channel: Self.channel, logger: database.logger)
        self.maxAge = maxAge
        self.missAge = missAge
        self.maxMisses = maxMisses
    }

    /// Lookups this cache has sent to the database.
    public var databaseLookups: Int { lookups.load(ordering: .relaxed) }

    /// `beforeLookup` runs only when the database must be asked, and may
    /// refuse (throw) instead.
    public func authenticate(_ secret: APIKeySecret, beforeLookup: () throws -> Void = {}) async throws -> AuthenticatedKey? {
        let now = ContinuousClock.now
        let (cached, generation, listening) = state.withLock { ($0.entries[secret.prefix], $0.generation, $0.listening) }
        let (missed, missGeneration) = misses.withLock { ($0.entries[secret.prefix], $0.generation) }
        if let cached, now - cached.loadedAt < maxAge {
            return constantTimeEquals(cached.hash, secret.hash) && cached.key.key.revokedAt == nil ? cached.key : nil
        }
        if let missed, now - missed < missAge { return nil }
        try beforeLookup()
        lookups.add(1, ordering: .relaxed)
        guard let (key, hash) = try await store.lookup(secret) else {
            misses.withLock { misses in
                guard misses.generation == missGeneration else { return }
                if misses.entries.count >= maxMisses {
                    misses.entries = misses.entries.filter { now - $0.value < missAge }
                    if misses.entries.count >= maxMisses { misses.entries.removeAll() }
                }
                misses.entries[secret.prefix] = now
            }
            return nil
        }
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
        forgetMisses()
    }

    private func forgetMisses() {
        misses.withLock { misses in
            misses.generation &+= 1
            misses.entries.removeAll()
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
                    if let tenantID = UUID(uuidString: payload) {
                        self.invalidate(tenantID: tenantID)
                    } else {
                        self.reset(listening: true)
                        self.forgetMisses()
                    }
                }
            )
        }
        reset(listening: false)
    }
}
