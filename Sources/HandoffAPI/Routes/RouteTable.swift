/// The operations the OpenAPI document declares, by path template, so that a
/// request that matches a path but not a method gets 405 with `Allow`, and so
/// that tests can enumerate every operation.
public struct RouteTable: Sendable {
    public struct Route: Sendable, Equatable {
        public var template: String
        public var methods: [String]
    }

    public let routes: [Route]
    /// Each route's template split at `/`, nil for a `{parameter}`: split once
    /// here, not for every route on every request.
    private let patterns: [[Substring?]]

    /// Reads `paths:` from the document: path keys are indented two spaces,
    /// operations four. Our own document is written that way.
    public init(openAPIYAML: String) {
        var routes: [Route] = []
        var inPaths = false
        let operations: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in openAPIYAML.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " " { break }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                routes.append(Route(template: String(line.dropFirst(2).dropLast()), methods: []))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      operations.contains(String(line.dropFirst(4).dropLast())), !routes.isEmpty {
                routes[routes.count - 1].methods.append(String(line.dropFirst(4).dropLast()).uppercased())
            }
        }
        self.routes = routes
        self.patterns = routes.map { route in
            route.template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : segment
            }
        }
    }

    /// The methods allowed on a concrete path, or nil when no template matches it.
    public func allowedMethods(for path: String) -> [String]? {
        route(for: path)?.methods
    }

    /// The route whose template matches a concrete path.
    public func route(for path: String) -> Route? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (route, pattern) in zip(routes, patterns) where pattern.count == segments.count {
            let matches = zip(pattern, segments).allSatisfy { literal, segment in
                literal.map { $0 == segment } ?? !segment.isEmpty
            }
            if matches { return route }
        }
        return nil
    }
}
