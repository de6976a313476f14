import Yams

/// Which component schemas the requests, the responses and the webhooks of a
/// document use, following `$ref`s through components to their closure.
struct SchemaReferences {
    /// Reached from an operation's `requestBody`.
    private(set) var fromRequests: Set<String> = []
    /// Reached from anything else an operation has: responses, parameters.
    private(set) var fromResponses: Set<String> = []
    /// Reached from `webhooks:`.
    private(set) var fromWebhooks: Set<String> = []
    /// Schemas that are a closed set of values (`enum`), nothing more.
    private(set) var enumSchemas: Set<String> = []

    private let components: Node.Mapping

    init(_ document: Node) {
        components = document.mapping?["components"]?.mapping ?? [:]
        let schemas = components["schemas"]?.mapping ?? [:]
        for (key, schema) in schemas where schema.mapping?["enum"] != nil {
            if let name = key.string { enumSchemas.insert(name) }
        }
        var requests: [Node] = []
        var others: [Node] = []
        for (_, pathItem) in document.mapping?["paths"]?.mapping ?? [:] {
            for (key, operation) in pathItem.mapping ?? [:] {
                guard key.string != "parameters", let operation = operation.mapping else {
                    others.append(operation)
                    continue
                }
                for (field, value) in operation {
                    if field.string == "requestBody" { requests.append(value) } else { others.append(value) }
                }
            }
        }
        fromRequests = closure(of: requests)
        fromResponses = closure(of: others)
        fromWebhooks = closure(of: [document.mapping?["webhooks"]].compactMap { $0 })
    }

    /// `#/components/schemas/Name` → `Name`.
    static func schemaName(_ reference: String) -> String? {
        let prefix = "#/components/schemas/"
        return reference.hasPrefix(prefix) ? String(reference.dropFirst(prefix.count)) : nil
    }

    private func closure(of roots: [Node]) -> Set<String> {
        var found: Set<String> = []
        var pending = roots
        while let node = pending.popLast() {
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    if key.string == "$ref", let reference = value.string {
                        pending.append(contentsOf: resolve(reference, into: &found))
                    } else {
                        pending.append(value)
                    }
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            default:
                break
            }
        }
        return found
    }

    /// The component a reference names, the first time it is met.
    private func resolve(_ reference: String, into found: inout Set<String>) -> [Node] {
        let parts = reference.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0] == "#", parts[1] == "components",
              let target = components[parts[2]]?.mapping?[parts[3]] else { return [] }
        if parts[2] == "schemas" {
            guard found.insert(parts[3]).inserted else { return [] }
        }
        return [target]
    }
}
