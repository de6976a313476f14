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
/// reuse of its connections. At most `limit` are kept (addresses change with
/// DNS; a tenant can name many hosts); past that a request gets a client of
/// its own, shut down after it.
final class PinnedHTTPClients: Sendable {
    private let configuration: HTTPClient.Configuration
    private let limit: Int
    private let clients = NIOLockedValueBox<[PinKey: HTTPClient]>([:])

    private struct PinKey: Hashable {
        var host: String
        var address: String
    }

    init(configuration: HTTPClient.Configuration, limit: Int = 256) {
        self.configuration = configuration
        self.limit = limit
    }

    /// Runs `body` with a client that connects `host` (as the URL spells
    /// it) to `address` only.
    func withClient<T: Sendable>(host: String, address: String, _ body: (HTTPClient) async throws -> T) async throws -> T {
        let key = PinKey(host: host, address: address)
        let kept = clients.withLockedValue { clients -> HTTPClient? in
            if let client = clients[key] { return client }
            guard clients.count < limit else { return nil }
            let client = makeClient(key)
            clients[key] = client
            return client
        }
        if let kept { return try await body(kept) }
        let own = makeClient(key)
        do {
            let result = try await body(own)
            try? await own.shutdown()
            return result
        } catch {
            try? await own.shutdown()
            throw error
        }
    }

    func shutdown() async {
        let all = clients.withLockedValue { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    private func makeClient(_ key: PinKey) -> HTTPClient {
        var configuration = configuration
        configuration.dnsOverride = [key.host: key.address]
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
