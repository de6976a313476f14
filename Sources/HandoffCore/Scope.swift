/// What a tenant key may do (PRODUCT.md, Conventions).
public enum Scope: String, Sendable, CaseIterable, Codable {
    /// Everything in the tenant.
    case admin
    /// Submitting leads and simulating routing, nothing else.
    case ingest
    /// GET only.
    case read
}

public enum HTTPVerb: String, Sendable {
    case get = "GET", head = "HEAD", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE", options = "OPTIONS"
}

extension Scope {
    /// The paths an ingest key may call, all with POST.
    static let ingestPaths: Set<String> = ["/v1/leads", "/v1/routing/simulate"]

    /// Whether a key with this scope may make the request.
    public func permits(_ method: HTTPVerb, path: String) -> Bool {
        switch self {
        case .admin:
            return true
        case .read:
            return method == .get || method == .head
        case .ingest:
            return method == .post && Self.ingestPaths.contains(Self.normalized(path))
        }
    }

    /// Whether any of the scopes permits the request.
    public static func any(_ scopes: some Sequence<Scope>, permit method: HTTPVerb, path: String) -> Bool {
        scopes.contains { $0.permits(method, path: path) }
    }

    private static func normalized(_ path: String) -> String {
        var path = Substring(path)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
