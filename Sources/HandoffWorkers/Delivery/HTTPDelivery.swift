import AsyncHTTPClient
import Foundation
import HandoffCore
import NIOCore

/// One POST to a tenant-supplied URL, as webhooks and Slack make it: the
/// target checked against the private-address policy first (the URL, then
/// every address its host resolves to), redirects not followed, one overall
/// timeout, and only a little of the answer read.
///
/// The HTTP client resolves the host again when it connects. A name that
/// answered with a public address to our check and a private one to the
/// client (DNS rebinding) still cannot reach an internal service: without
/// HANDOFF_WEBHOOK_ALLOW_PRIVATE only https is allowed, and the internal
/// service cannot present a certificate for the tenant's host name. The
/// connection attempt still happens, so what the tenant reads of a failure
/// is generic ("could not connect to the receiver"): refused, unreachable,
/// TLS failure and the like look alike, with no address or errno, and the
/// details go to the operator's logs only (`DeliveryAttemptResult.detail`).
struct HTTPDelivery: Sendable {
    let client: HTTPClient
    let policy: DeliveryTargetPolicy
    let resolver: any HostResolver
    let timeout: Duration
    let maxResponseBytes: Int

    static let userAgent = "Handoff-Webhooks/1.0"

    func post(url: String, headers: [(name: String, value: String)], body: [UInt8]) async -> DeliveryAttemptResult {
        let seconds = Self.format(timeout)
        do {
            return try await withDeadline(timeout) {
                if let refused = try await checkTarget(url) { return refused }
                return try await send(url: url, headers: headers, body: body)
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

    /// A refusal as a permanent result, or nil when the target may be reached.
    func checkTarget(_ url: String) async throws -> DeliveryAttemptResult? {
        let target: DeliveryTargetPolicy.Target
        switch policy.check(url: url) {
        case .failure(let refusal): return .permanent(refusal.description)
        case .success(let checked): target = checked
        }
        if target.literalAddress != nil { return nil }
        let addresses = try await resolver.addresses(of: target.host, port: target.port)
        if case .failure(let refusal) = policy.check(url: url, resolvedAddresses: addresses) {
            return .permanent(refusal.description)
        }
        return nil
    }

    private func send(url: String, headers: [(name: String, value: String)], body: [UInt8]) async throws -> DeliveryAttemptResult {
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
