import Foundation
import HandoffCore
import HandoffStore
import Hummingbird

/// Who may call what. Keys come only in `Authorization: Bearer …`, never in a
/// query string (which ends up in logs).
///
/// A key this process has not checked yet costs a database lookup, so those
/// lookups are limited per client address (`addressLimiter`), before any is
/// made: a client cycling through made-up keys gets 429s, not the pool. Keys
/// already checked, and keys already known to be unknown (`APIKeyCache`),
/// cost nothing and are not counted.
struct AuthMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let operatorKeyHash: Data
    let keys: APIKeyCache
    let routes: RouteTable
    let addressLimiter: RateLimiter<String>
    let clock: @Sendable () -> Date

    init(operatorKey: String, keys: APIKeyCache, routes: RouteTable, addressLimit: RateLimit, clock: @escaping @Sendable () -> Date) {
        self.routes = routes
        self.operatorKeyHash = APIKeySecret.hash(operatorKey)
        self.keys = keys
        self.addressLimiter = RateLimiter(addressLimit)
        self.clock = clock
    }

    /// Who a path belongs to.
    enum Audience {
        case publicEndpoint
        case operatorOnly
        case operatorOrTenant
        case tenant
    }

    static func audience(of path: String) -> Audience {
        if path == "/v1/tenants" || path.hasPrefix("/v1/tenants/") { return .operatorOnly }
        if path == "/v1/usage" { return .operatorOrTenant }
        if path.hasPrefix("/v1/") || path == "/v1" { return .tenant }
        return .publicEndpoint
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let audience = Self.audience(of: path)
        if audience == .publicEndpoint { return try await next(request, context) }

        let principal = try await authenticate(request, from: context.remoteAddress?.ipAddress ?? "unknown")
        // A path the API does not have is a 404 (or 405) whoever asks; only
        // real operations are checked against the caller's audience and scopes.
        guard let allowed = routes.allowedMethods(for: path), allowed.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        switch (audience, principal) {
        case (.operatorOnly, .tenantKey):
            throw Problem.forbidden("Tenants are managed with the operator key.")
        case (.tenant, .operatorKey):
            throw Problem.forbidden("The operator key manages tenants; use one of the tenant's keys (hk_…) here.")
        case (_, .tenantKey(_, _, let scopes)):
            let verb = HTTPVerb(rawValue: request.method.rawValue) ?? .options
            guard Scope.any(scopes, permit: verb, path: path) else {
                throw Problem.forbidden("This key's scopes (\(scopes.map(\.rawValue).joined(separator: ", "))) do not allow \(request.method.rawValue) \(path).")
            }
        default:
            break
        }
        return try await RequestIdentity.$current.withValue(principal) {
            try await next(request, context)
        }
    }

    private func authenticate(_ request: Request, from address: String) async throws -> Principal {
        guard request.headers[.authorization] != nil else {
            throw Problem.unauthorized("Send your key as Authorization: Bearer <key>.")
        }
        guard let presented = BearerCredential.presented(in: request) else {
            throw Problem.unauthorized("The Authorization header must be Bearer <key>.")
        }
        // One hash per request: a tenant key's, or any other text's.
        let secret = APIKeySecret.parse(presented)
        if constantTimeEquals(secret?.hash ?? APIKeySecret.hash(presented), operatorKeyHash) {
            return .operatorKey
        }
        let lookup: () throws -> Void = {
            if case .limited(let retryAfter) = addressLimiter.take(key: address, now: clock()) {
                throw Problem(.tooManyRequests, slug: "rate-limited", title: "Too many requests",
                              detail: "Too many keys this server has not seen yet came from this address; retry after \(retryAfter) s.",
                              headers: [.retryAfter: String(retryAfter)])
            }
        }
        guard let secret, let found = try await keys.authenticate(secret, beforeLookup: lookup) else {
            throw Problem.unauthorized("The key is unknown or revoked.")
        }
        guard found.tenantStatus == .active else {
            throw Problem.forbidden("This tenant is suspended; its keys are refused until the operator reactivates it.")
        }
        return .tenantKey(tenantID: found.key.tenantID, keyID: found.key.id, scopes: found.key.scopes)
    }
}

/// The credential in `Authorization: Bearer …`, as presented.
enum BearerCredential {
    static func presented(in request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingWhitespace()
    }
}
