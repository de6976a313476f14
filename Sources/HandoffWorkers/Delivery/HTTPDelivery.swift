import AsyncHTTPClient
import Foundation
import HandoffCore
import NIOCore

/// One POST to a tenant-supplied URL, as webhooks and Slack make it: the
/// target checked against the private-address policy first (the URL, then
/// every address its host resolves to), redirects not followed, one overall
/// timeout, and only a little of the answer read.
///
/// The host is resolved once: the request connects to the address the check
/// approved (`PinnedHTTPClients`), while SNI and the certificate check use
/// the host name, so a name that answers the check with a public address and
/// a second lookup with a private one (DNS rebinding) reaches nothing inside.
/// What the tenant reads of a failure is generic all the same ("could not
/// connect to the receiver"): refused, unreachable, TLS failure and the like
/// look alike, with no address or errno, and the details go to the
/// operator's logs only (`DeliveryAttemptResult.detail`).
struct HTTPDelivery: Sendable {
    /// For URLs whose host is an IP literal: nothing to resolve.
    let client: HTTPClient
    let pinned: PinnedHTTPClients
    let policy: DeliveryTargetPolicy
    let resolver: any HostResolver
    let timeout: Duration
    let maxResponseBytes: Int

    static let userAgent = "Handoff-Webhooks/1.0"

    func post(url: String, headers: [(name: String, value: String)], body: [UInt8]) async -> DeliveryAttemptResult {
        let seconds = Self.format(timeout)
        do {
            return try await withDeadline(timeout) {
                switch try await checkTarget(url) {
                case .refused(let refusal):
                    return refusal
                case .literal:
                    return try await send(url: url, headers: headers, body: body, client: client)
                case .resolved(let host, let address):
                    return try await pinned.withClient(host: host, address: address) { client in
                        try await send(url: url, headers: headers, body: body, client: client)
                    }
                }
            }
        } catch is DeadlineExceeded {
            return .retryable("no answer within \(seconds) s")
        } catch let error as HTTPClientError {
            return .retryable(Self.describe(error, seconds: seconds), detail: "\(Self.hostAndPort(url)): \(error)")
        } catch let error as HostResolutionError {
            return .retryable("could not resolve the receiver's host name", detail: error.description)
        } catch {
            return .retryable(Self.unreachable, detail: "\(Self.hostAndPort(url)): \(String(reflecting: error))")
        }
    }

    enum Checked {
        /// A permanent result: the policy refuses the target.
        case refused(DeliveryAttemptResult)
        /// The URL's host is an IP literal the policy allows.
        case literal
        /// Connect `host` (as the URL spells it) to `address`, checked.
        case resolved(host: String, address: String)
    }

    func checkTarget(_ url: String) async throws -> Checked {
        let target: DeliveryTargetPolicy.Target
        switch policy.check(url: url) {
        case .failure(let refusal): return .refused(.permanent(refusal.description))
        case .success(let checked): target = checked
        }
        if target.literalAddress != nil { return .literal }
        let addresses = try await resolver.addresses(of: target.host, port: target.port)
        if case .failure(let refusal) = policy.check(url: url, resolvedAddresses: addresses) {
            return .refused(.permanent(refusal.description))
        }
        // Every address passed; the first is the one connected to.
        guard let address = addresses.first else {
            throw HostResolutionError(host: target.host, reason: "no addresses")
        }
        return .resolved(host: URLComponents(string: url)?.host ?? target.host, address: address)
    }

    private func send(
        url: String, headers: [(name: String, value: String)], body: [UInt8], client: HTTPClient
    ) async throws -> DeliveryAttemptResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: Self.userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))

        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.timeInterval * 1e9)))
        var answer: [UInt8] = []
        // Enough to quote in an error; the rest is not our business, and a
        // receiver streaming forever must not keep the attempt open.
        for try await chunk in response.body {
            answer += chunk.readableBytesView.prefix(maxResponseBytes - answer.count)
            if answer.count >= maxResponseBytes { break }
        }
        return .http(status: Int(response.status.code), location: response.headers.first(name: "location"), body: answer)
    }

    /// Every way of failing to reach the receiver, in one text.
    static let unreachable = "could not connect to the receiver"

    static func describe(_ error: HTTPClientError, seconds: String) -> String {
        switch error {
        case .deadlineExceeded, .readTimeout:
            return "no answer within \(seconds) s"
        case .invalidURL, .emptyHost, .emptyScheme:
            return "the URL cannot be used: \(error)"
        default:
            return unreachable
        }
    }

    static func hostAndPort(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the receiver" }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        return seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}

struct DeadlineExceeded: Error {}

/// Runs `operation`, or throws `DeadlineExceeded` once `duration` has passed
/// (cancelling it: the HTTP client and the SMTP client stop on cancellation).
func withDeadline<T: Sendable>(_ duration: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
