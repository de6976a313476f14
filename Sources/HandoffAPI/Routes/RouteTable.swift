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

    /// The routes of the document's operations, as `ParameterTable` read them
    /// (Yams, `$ref`s resolved). Methods are listed in a fixed order, for
    /// `Allow`; templates with fewer `{parameters}` are tried first, so a
    /// literal segment wins over a parameter in the same place.
    public init(_ operations: ParameterTable) {
        let order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        let byTemplate = Dictionary(grouping: operations.operations, by: \.template)
        func parameterCount(_ template: String) -> Int { template.split(separator: "{").count - 1 }
        routes = byTemplate.keys
            .sorted { (parameterCount($0), $0) < (parameterCount($1), $1) }
            .map { template in
                let methods = Set(byTemplate[template, default: []].map(\.method))
                return Route(template: template, methods: order.filter(methods.contains))
            }
        patterns = routes.map { route in
            route.template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : segment
            }
        }
    }

    public init(openAPIYAML: String) throws {
        self.init(try ParameterTable(openAPIYAML: openAPIYAML))
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
