import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOPosix

/// HTTP clients that connect a host name to the address the target check
/// approved, and to no other.
///
/// The target policy resolves a tenant's host and checks every address; an
/// HTTP client that resolved the name again to connect could get another
/// answer (DNS rebinding: public to the check, 10.0.0.1 to the connect).
/// AsyncHTTPClient's `dnsOverride` connects to a given address while the
/// request, SNI and certificate check keep the host name, but it is a
/// client-wide setting, so there is one client per (host, address), kept for
/// reuse of its connections. At most `limit` are kept (addresses rotate with
/// DNS, and a tenant can name many hosts): a new pin replaces the least
/// recently used client that has no request in flight; when every kept one
/// is busy, the request gets a client of its own, shut down after it.
final class PinnedHTTPClients: Sendable {
    private struct PinKey: Hashable {
        var host: String
        var address: String
    }

    private struct Entry {
        var client: HTTPClient
        var inFlight: Int
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [PinKey: Entry] = [:]
        var tick: UInt64 = 0
    }

    private let configuration: HTTPClient.Configuration
    private let limit: Int
    private let state = NIOLockedValueBox(State())

    init(configuration: HTTPClient.Configuration, limit: Int = 256) {
        self.configuration = configuration
        self.limit = max(1, limit)
    }

    /// Runs `body` with a client that connects `host` (as the URL spells
    /// it) to `address` only.
    func withClient<T: Sendable>(host: String, address: String, _ body: (HTTPClient) async throws -> T) async throws -> T {
        let key = PinKey(host: host, address: address)
        let (kept, evicted) = state.withLockedValue { state -> (HTTPClient?, HTTPClient?) in
            state.tick += 1
            if var entry = state.entries[key] {
                entry.inFlight += 1
                entry.lastUsed = state.tick
                state.entries[key] = entry
                return (entry.client, nil)
            }
            var evicted: HTTPClient?
            if state.entries.count >= limit {
                guard let idle = state.entries.filter({ $0.value.inFlight == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) else {
                    return (nil, nil)
                }
                evicted = state.entries.removeValue(forKey: idle.key)?.client
            }
            let client = makeClient(key)
            state.entries[key] = Entry(client: client, inFlight: 1, lastUsed: state.tick)
            return (client, evicted)
        }
        if let evicted { try? await evicted.shutdown() }
        let client = kept ?? makeClient(key)
        defer {
            if kept != nil {
                state.withLockedValue { state in state.entries[key]?.inFlight -= 1 }
            }
        }
        do {
            let result = try await body(client)
            if kept == nil { try? await client.shutdown() }
            return result
        } catch {
            if kept == nil { try? await client.shutdown() }
            throw error
        }
    }

    func shutdown() async {
        let all = state.withLockedValue { state in
            defer { state.entries = [:] }
            return state.entries.values.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }

    private func makeClient(_ key: PinKey) -> HTTPClient {
        var configuration = configuration
        configuration.dnsOverride = [key.host: key.address]
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
