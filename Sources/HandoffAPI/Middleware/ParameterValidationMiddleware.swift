import Foundation
import HandoffCore
import Hummingbird

/// Checks a request's query and path parameters against the operation's
/// declaration in the document before the generated layer decodes them. That
/// layer reports a missing or ill-typed parameter as an error about the body;
/// here each fault is a 422 naming the parameter, all of them at once, and an
/// unknown parameter is refused rather than ignored (a misspelt filter would
/// otherwise answer as if no filter had been given).
struct ParameterValidationMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let parameters: ParameterTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        // Intake's path: a literal template, no query. One dictionary lookup,
        // not a walk of the route table, on the request that must be cheapest.
        if request.uri.query?.isEmpty ?? true,
           let literal = parameters.operation(method: request.method.rawValue, template: path),
           !literal.parameters.contains(where: \.required) {
            return try await next(request, context)
        }
        if let route = routes.route(for: path),
           let operation = parameters.operation(method: request.method.rawValue, template: route.template) {
            let errors = Self.faults(of: operation, path: path, query: request.uri.query)
            if !errors.isEmpty { throw Problem.validation(errors) }
        }
        return try await next(request, context)
    }

    static func faults(of operation: ParameterTable.Operation, path: String, query: String?) -> [FieldError] {
        let given = Self.queryItems(query)
        let pathValues = Self.pathValues(template: operation.template, path: path)
        var errors: [FieldError] = []
        for rule in operation.parameters {
            let values: [String]
            switch rule.location {
            case .query: values = given.filter { $0.name == rule.name }.map(\.value)
            case .path: values = pathValues[rule.name].map { [$0] } ?? []
            }
            if let fault = rule.fault(in: values) { errors.append(fault) }
        }
        let known = Set(operation.parameters.filter { $0.location == .query }.map(\.name))
        var reported: Set<String> = []
        for item in given where !known.contains(item.name) && reported.insert(item.name).inserted {
            let accepted = known.sorted().joined(separator: ", ")
            errors.append(FieldError(
                field: item.name,
                message: known.isEmpty ? "is not a parameter of this operation, which takes none"
                                       : "is not a parameter of this operation; it takes \(accepted)"
            ))
        }
        return errors
    }

    /// `name=value` pairs as the generated layer reads them: `+` is a space,
    /// then percent-decoding (so `%2B` stays a plus).
    static func queryItems(_ query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        func decode(_ text: Substring) -> String {
            text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
        }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (decode(pair), "") }
            return (decode(pair[..<equals]), decode(pair[pair.index(after: equals)...]))
        }
    }

    static func pathValues(template: String, path: String) -> [String: String] {
        var values: [String: String] = [:]
        for (pattern, segment) in zip(template.split(separator: "/"), path.split(separator: "/"))
        where pattern.hasPrefix("{") && pattern.hasSuffix("}") {
            values[String(pattern.dropFirst().dropLast())] = String(segment).removingPercentEncoding ?? String(segment)
        }
        return values
    }
}
