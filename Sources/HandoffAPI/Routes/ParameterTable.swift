import HandoffCore
import Yams

/// Every operation's query and path parameters as the OpenAPI document
/// declares them, `$ref`s resolved, so requests are checked against the
/// contract itself rather than against a second copy of it.
public struct ParameterTable: Sendable {
    public struct Operation: Sendable, Equatable {
        public var method: String
        public var template: String
        public var operationID: String
        public var parameters: [ParameterRule]
    }

    public let operations: [Operation]
    private let byRoute: [String: Operation]

    public init(openAPIYAML: String) throws {
        guard let document = try Yams.load(yaml: openAPIYAML) as? [String: Any],
              let paths = document["paths"] as? [String: Any] else {
            throw ParameterTableError("the document has no paths")
        }
        let resolver = Resolver(document: document)
        var operations: [Operation] = []
        for (template, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            let shared = try resolver.parameters(item["parameters"])
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                var rules = shared
                for rule in try resolver.parameters(operation["parameters"]) {
                    // An operation's parameter replaces the path's of the same name and place.
                    rules.removeAll { $0.name == rule.name && $0.location == rule.location }
                    rules.append(rule)
                }
                operations.append(Operation(
                    method: method.uppercased(), template: template,
                    operationID: operation["operationId"] as? String ?? "\(method) \(template)", parameters: rules
                ))
            }
        }
        self.operations = operations.sorted { ($0.template, $0.method) < ($1.template, $1.method) }
        self.byRoute = Dictionary(operations.map { ("\($0.method) \($0.template)", $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func operation(method: String, template: String) -> Operation? {
        byRoute["\(method) \(template)"]
    }
}

struct ParameterTableError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = "openapi.yaml: \(description)" }
}

/// Follows the document's local `$ref`s for parameters and their schemas.
private struct Resolver {
    let document: [String: Any]

    func parameters(_ list: Any?) throws -> [ParameterRule] {
        guard let list = list as? [Any] else { return [] }
        return try list.compactMap { entry in
            let parameter = try resolve(entry)
            guard let name = parameter["name"] as? String,
                  let location = (parameter["in"] as? String).flatMap(ParameterRule.Location.init(rawValue:))
            else { return nil }  // headers are the middlewares' business
            let schema = try resolve(parameter["schema"] ?? [:])
            return ParameterRule(
                name: name, location: location,
                required: parameter["required"] as? Bool ?? (location == .path),
                kind: try kind(of: schema)
            )
        }
    }

    private func kind(of schema: [String: Any]) throws -> ParameterRule.Kind {
        // `type: [string, "null"]` reads as its one non-null type.
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? ["string"]
        switch types.first(where: { $0 != "null" }) ?? "string" {
        case "integer":
            return .integer(minimum: schema["minimum"] as? Int, maximum: schema["maximum"] as? Int)
        case "number":
            return .number
        case "boolean":
            return .boolean
        default:
            return .string(
                format: schema["format"] as? String,
                allowed: (schema["enum"] as? [Any])?.compactMap { $0 as? String },
                pattern: schema["pattern"] as? String,
                maxLength: schema["maxLength"] as? Int
            )
        }
    }

    private func resolve(_ node: Any) throws -> [String: Any] {
        guard var object = node as? [String: Any] else { return [:] }
        var seen = 0
        while let reference = object["$ref"] as? String {
            seen += 1
            guard seen < 16, reference.hasPrefix("#/") else { throw ParameterTableError("cannot follow \(reference)") }
            var target: Any = document
            for key in reference.dropFirst(2).split(separator: "/") {
                guard let next = (target as? [String: Any])?[String(key)] else {
                    throw ParameterTableError("\(reference) names nothing")
                }
                target = next
            }
            guard let resolved = target as? [String: Any] else { throw ParameterTableError("\(reference) is not an object") }
            object = resolved
        }
        return object
    }
}
